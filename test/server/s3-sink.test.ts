/**
 * `--storage s3` against a plain sink (the in-test stub with checksums, conditionals and multipart off —
 * what nginx WebDAV does): `--s3-if-none-match off` and `--s3-multipart off` (single PUT up to
 * --max-bytes, finalize by size). Also the S3 store on its own (Node side: including get/put with metadata
 * and ranged reads, which processing and the scan's quarantine use — issue 9), and the CLI runner started
 * with `--storage s3` flags and PIXIMMO_S3_* environment variables.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/server/lib/errors.js';
import { StoreScanObjects } from '../../src/server/scan/objects.js';
import { S3HttpStore } from '../../src/server/storage/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, finalize, intent, put, randomBytes, sha256 } from './_client.js';
import { startS3Stub, type S3Stub } from './_s3-stub.js';

const MiB = 1024 * 1024;
let sink: S3Stub;
let s: TestServer;

beforeAll(async () => {
  sink = await startS3Stub({ checksums: false, conditional: false, multipart: false });
  s = await startTestServer({
    storage: 's3',
    s3: { endpoint: sink.url, bucket: sink.bucket, accessKeyId: sink.accessKeyId, secretAccessKey: sink.secretAccessKey, ifNoneMatch: false, multipart: false },
    intentRate: 0,
    multipartThreshold: 6 * MiB,
    persist: false,
  });
});
afterAll(async () => {
  await s?.close();
  await sink?.close();
});

describe('a sink without checksums, conditionals or multipart', () => {
  it('--s3-multipart off: a file above the threshold gets one PUT URL; no If-None-Match signed; finalize by size', async () => {
    const big = randomBytes(7 * MiB);
    const i = await intent(s.url, { filename: 'walk.mp4', mime: 'video/mp4', bytes: big.length, checksum: sha256(big) });
    expect(i.status).toBe(200);
    expect(i.body.multipart).toBeUndefined();
    expect(i.body.headers).toEqual({ 'Content-Type': 'video/mp4', 'x-amz-checksum-sha256': Buffer.from(sha256(big), 'hex').toString('base64') });
    expect(new URL(i.body.signed_url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host;x-amz-checksum-sha256');
    expect((await put(i.body.signed_url, i.body.headers, big)).status).toBe(200);
    const f = await finalize(s.url, { object_key: i.body.object_key, bytes: big.length, checksum: sha256(big) });
    expect(f.status).toBe(200);
    expect(sink.log.filter((r) => r.method === 'POST')).toEqual([]); // no multipart call reached the sink
    const short = await finalize(s.url, { object_key: i.body.object_key, bytes: big.length + 1, checksum: sha256(big) });
    expect(short.status).toBe(409);
  });
});

describe('S3HttpStore (Node side, against the stub)', () => {
  const store = (stub: S3Stub, secret = stub.secretAccessKey) =>
    new S3HttpStore({ endpoint: stub.url, bucket: stub.bucket, region: 'auto', accessKeyId: stub.accessKeyId, secretAccessKey: secret });

  it('head of a missing key is null; delete of a missing key is fine', async () => {
    expect(await store(sink).head('nope/x.jpg')).toBeNull();
    await store(sink).delete('nope/x.jpg');
  });

  it('a sink without multipart → 502 STORAGE_ERROR that names --s3-multipart off', async () => {
    const err = await store(sink).createMultipart('k/a.mov', 'video/quicktime').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(502);
    expect((err as HttpError).message).toMatch(/HTTP 405.*--s3-multipart off/);
  });

  it('put with metadata, head/get report it; a window of a store that ignores Range is cut out; missing → null', async () => {
    const st = store(sink);
    const bytes = randomBytes(1000);
    await st.put('previews/f1/small', bytes, { contentType: 'image/jpeg', metadata: { width: '640', height: '427' } });
    expect(await st.head('previews/f1/small')).toMatchObject({ size: 1000, metadata: { width: '640', height: '427' } });
    const all = await st.get('previews/f1/small');
    expect(all).toMatchObject({ length: 1000, contentType: 'image/jpeg', metadata: { width: '640' } });
    expect(Buffer.from(await new Response(all?.body).arrayBuffer()).equals(bytes)).toBe(true);
    const win = await st.get('previews/f1/small', { offset: 100, length: 50 });
    expect(win?.length).toBe(50);
    expect(Buffer.from(await new Response(win?.body).arrayBuffer()).equals(bytes.subarray(100, 150))).toBe(true);
    expect(await st.get('nope/x.jpg')).toBeNull();
  });

  it('quarantine over the store: GET → PUT quarantine/<key> with metadata → DELETE; again is idempotent', async () => {
    const st = store(sink);
    const bytes = randomBytes(300);
    await st.put('orig/u/a.jpg', bytes, { contentType: 'image/jpeg' });
    const objects = new StoreScanObjects(st);
    const stream = new Response(bytes).body as ReadableStream<Uint8Array>;
    await st.put('orig/u/b.jpg', stream, { contentType: 'image/jpeg', length: bytes.length }); // a streamed body (buffered in Node)
    expect(await objects.quarantine('orig/u/a.jpg', { signature: 'Eicar-Test-Signature' })).toBe('quarantine/orig/u/a.jpg');
    expect(await st.head('orig/u/a.jpg')).toBeNull();
    expect(await st.head('quarantine/orig/u/a.jpg')).toMatchObject({ size: 300, metadata: { signature: 'Eicar-Test-Signature' } });
    expect(await objects.quarantine('orig/u/a.jpg', {})).toBe('quarantine/orig/u/a.jpg');
    expect(await objects.size('orig/u/b.jpg')).toBe(300);
    expect(Buffer.from(await new Response(await objects.open('orig/u/b.jpg', 290, 10)).arrayBuffer()).equals(bytes.subarray(290))).toBe(true);
  });

  it('wrong credentials → 502 STORAGE_ERROR with the store status', async () => {
    const err = await store(sink, 'wrong').head('k/a.jpg').catch((e: unknown) => e);
    expect((err as HttpError).code).toBe('STORAGE_ERROR');
    expect((err as HttpError).details).toMatchObject({ operation: 'HeadObject', store_status: 403 });
  });
});

const RUNNER = new URL('../../dist/local-server.js', import.meta.url).pathname;

describe('CLI runner with --storage s3', () => {
  it.skipIf(!existsSync(RUNNER))('flags and PIXIMMO_S3_* variables; --intent-rate 0 lifts the limit', async () => {
    const full = await startS3Stub({ bucket: 'runner' });
    const child = spawn(
      process.execPath,
      [RUNNER, '--port', '0', '--no-persist', '--intent-rate', '0', '--storage', 's3', '--s3-endpoint', full.url, '--s3-bucket', 'runner'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PIXIMMO_S3_ACCESS_KEY_ID: full.accessKeyId, PIXIMMO_S3_SECRET_ACCESS_KEY: full.secretAccessKey, PIXIMMO_S3_REGION: 'us-east-1' },
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^listening on (\S+)\n/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
        setTimeout(() => reject(new Error('no listening line in 20 s')), 20_000);
      });
      expect(err).toContain(`storage: s3 ${full.url}/runner (If-None-Match on, multipart on)`);
      const bytes = randomBytes(64);
      const i = await intent(url, { bytes: 64, checksum: sha256(bytes) });
      expect(new URL(i.body.signed_url).searchParams.get('X-Amz-Credential')).toMatch(/\/us-east-1\/s3\/aws4_request$/);
      expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
      expect((await finalize(url, { object_key: i.body.object_key, bytes: 64, checksum: sha256(bytes) })).status).toBe(200);
      const burst = await Promise.all(Array.from({ length: 12 }, () => intent(url, { bytes: 1 })));
      expect(burst.map((r) => r.status)).toEqual(Array(12).fill(200));
      expect((await api(url, 'GET', '/api/me')).body.user_id).toBe('alice');
    } finally {
      const code = await new Promise<number | null>((resolve) => {
        child.on('exit', resolve);
        child.kill('SIGTERM');
      });
      await full.close();
      expect(code).toBe(0);
    }
  });
});
