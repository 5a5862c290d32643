/**
 * The local server's command line (src/server/local/args.ts) and the Worker's storage vars
 * (readConfig in src/server/env.ts). Pure: no server.
 */
import { describe, expect, it } from 'vitest';
import { readConfig, type Env } from '../../src/server/env.js';
import { parseServerArgs } from '../../src/server/local/args.js';

const S3_FLAGS = ['--storage', 's3', '--s3-endpoint', 'http://127.0.0.1:9000', '--s3-bucket', 'b', '--s3-access-key-id', 'id', '--s3-secret-access-key', 'sec'];

describe('parseServerArgs', () => {
  it('defaults: r2 storage, port 8787, nothing else set', () => {
    const r = parseServerArgs([]);
    expect(r).toMatchObject({ kind: 'ok', opts: { storage: 'r2', port: 8787, persist: true } });
    expect(r.kind === 'ok' && r.opts.s3).toBeUndefined();
  });

  it('--processing on|off (default on): the queue consumer, for the bench\'s data-path comparisons', () => {
    expect(parseServerArgs([])).toMatchObject({ opts: { processing: true } });
    expect(parseServerArgs(['--processing', 'off'])).toMatchObject({ opts: { processing: false } });
    expect(parseServerArgs(['--processing', 'on'])).toMatchObject({ opts: { processing: true } });
    const r = parseServerArgs(['--processing', 'later']);
    expect(r.kind === 'usage' && r.message).toBe('--processing must be on or off, got "later"');
  });

  it('--intent-rate 0 and 10 are passed through as numbers', () => {
    expect(parseServerArgs(['--intent-rate', '0'])).toMatchObject({ opts: { intentRate: 0 } });
    expect(parseServerArgs(['--intent-rate', '10'])).toMatchObject({ opts: { intentRate: 10 } });
    expect(parseServerArgs(['--intent-rate', '-1'])).toMatchObject({ kind: 'usage' });
    expect(parseServerArgs(['--intent-rate', ''])).toMatchObject({ kind: 'usage' });
  });

  it('--quota-bytes N (SPEC v2 quotas) → QUOTA_BYTES; the Worker defaults to 50 GB', () => {
    expect(parseServerArgs(['--quota-bytes', '1000000'])).toMatchObject({ opts: { quotaBytes: 1_000_000 } });
    expect(parseServerArgs(['--quota-bytes', 'lots'])).toMatchObject({ kind: 'usage' });
    const base = {} as Env;
    expect(readConfig(base).quotaBytes).toBe(50_000_000_000);
    expect(readConfig({ ...base, QUOTA_BYTES: '123' }).quotaBytes).toBe(123);
    expect(() => readConfig({ ...base, QUOTA_BYTES: '-1' })).toThrow(/QUOTA_BYTES/);
  });

  it('--storage s3 with flags; region defaults (undefined → "auto" in the server); on/off switches', () => {
    const r = parseServerArgs([...S3_FLAGS, '--s3-if-none-match', 'off', '--s3-multipart', 'off']);
    expect(r).toMatchObject({
      kind: 'ok',
      opts: { storage: 's3', s3: { endpoint: 'http://127.0.0.1:9000', bucket: 'b', region: undefined, accessKeyId: 'id', secretAccessKey: 'sec', ifNoneMatch: false, multipart: false } },
    });
  });

  it('PIXIMMO_S3_* variables stand in for missing flags; flags win', () => {
    const env = {
      PIXIMMO_S3_ENDPOINT: 'https://acc.r2.cloudflarestorage.com',
      PIXIMMO_S3_BUCKET: 'env-bucket',
      PIXIMMO_S3_REGION: 'auto',
      PIXIMMO_S3_ACCESS_KEY_ID: 'env-id',
      PIXIMMO_S3_SECRET_ACCESS_KEY: 'env-secret',
      PIXIMMO_S3_MULTIPART: 'off',
    };
    expect(parseServerArgs(['--storage', 's3', '--s3-bucket', 'flag-bucket'], env)).toMatchObject({
      opts: { s3: { endpoint: env.PIXIMMO_S3_ENDPOINT, bucket: 'flag-bucket', region: 'auto', accessKeyId: 'env-id', secretAccessKey: 'env-secret', multipart: false, ifNoneMatch: undefined } },
    });
    expect(parseServerArgs([], { ...env, PIXIMMO_STORAGE: 's3' })).toMatchObject({ opts: { storage: 's3', s3: { bucket: 'env-bucket' } } });
  });

  it('usage errors name what is missing or wrong', () => {
    const msg = (argv: string[], env = {}) => {
      const r = parseServerArgs(argv, env);
      return r.kind === 'usage' ? r.message : `not a usage error: ${r.kind}`;
    };
    expect(msg(['--storage', 's3'])).toBe('--storage s3 needs --s3-endpoint (or PIXIMMO_S3_ENDPOINT)');
    expect(msg(S3_FLAGS.filter((a) => a !== '--s3-secret-access-key' && a !== 'sec'))).toMatch(/--s3-secret-access-key \(or PIXIMMO_S3_SECRET_ACCESS_KEY\)/);
    expect(msg(['--storage', 'gcs'])).toMatch(/--storage must be r2 or s3/);
    expect(msg(['--s3-bucket', 'b'])).toBe('--s3-bucket needs --storage s3');
    expect(msg([...S3_FLAGS.slice(0, 2), '--s3-endpoint', 'ftp://x', ...S3_FLAGS.slice(4)])).toMatch(/http\(s\) URL/);
    expect(msg([...S3_FLAGS, '--s3-multipart', 'maybe'])).toMatch(/--s3-multipart .* must be on or off/);
    expect(msg(['--bogus'])).toMatch(/bogus/);
  });
});

describe('readConfig storage vars', () => {
  const env = (vars: Record<string, string>) => vars as unknown as Env;
  it('defaults: local signer, R2 binding store, If-None-Match on, multipart on', () => {
    expect(readConfig(env({}))).toMatchObject({ signer: 'local', store: 'r2', s3IfNoneMatch: true, multipart: true });
  });
  it('S3_MULTIPART off applies to the S3 store only; bad values throw', () => {
    expect(readConfig(env({ STORE: 's3', S3_MULTIPART: 'off', S3_IF_NONE_MATCH: 'off' }))).toMatchObject({ store: 's3', multipart: false, s3IfNoneMatch: false });
    expect(readConfig(env({ STORE: 'r2', S3_MULTIPART: 'off' })).multipart).toBe(true);
    expect(() => readConfig(env({ STORE: 'gcs' }))).toThrow(/STORE/);
    expect(() => readConfig(env({ S3_IF_NONE_MATCH: 'maybe' }))).toThrow(/S3_IF_NONE_MATCH/);
  });
});
