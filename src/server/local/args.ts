/**
 * Command line of the local server (dist/local-server.js, `npm run server -- …`) → LocalServerOptions.
 * Pure (argv and environment in, options or a usage message out), so it is tested without a process.
 *
 *   [--port 8787] [--host 127.0.0.1] [--state DIR] [--seed FILE] [--no-persist]
 *   [--max-bytes N] [--url-ttl S] [--intent-rate N] [--multipart-threshold N] [--part-size N] [--device-interval S]
 *   [--quota-bytes N]                                   SPEC v2 quota per user, default 50000000000
 *   [--storage r2|s3]                                   default r2 (env PIXIMMO_STORAGE)
 *   --storage s3 settings, flag > environment:
 *     --s3-endpoint URL              PIXIMMO_S3_ENDPOINT            required, http(s)://host[:port][/prefix]
 *     --s3-bucket NAME               PIXIMMO_S3_BUCKET              required
 *     --s3-region REGION             PIXIMMO_S3_REGION              default "auto"
 *     --s3-access-key-id ID          PIXIMMO_S3_ACCESS_KEY_ID       required
 *     --s3-secret-access-key SECRET  PIXIMMO_S3_SECRET_ACCESS_KEY   required
 *     --s3-if-none-match on|off      PIXIMMO_S3_IF_NONE_MATCH       default on (sign If-None-Match: *)
 *     --s3-multipart on|off          PIXIMMO_S3_MULTIPART           default on; off = single PUT up to --max-bytes
 *   [--scanner auto|none|clamd://host:port]             default auto (env PIXIMMO_SCANNER): local/scanner.ts
 *   [--scan-stream-max N]                               bytes per INSTREAM (env PIXIMMO_SCAN_STREAM_MAX)
 *   [--processing on|off]                               default on: processing after finalize (previews, scan)
 * Numbers must be >= 0. `--s3-*` flags without `--storage s3` are a usage error (environment variables
 * are simply ignored then).
 */
import { parseArgs } from 'node:util';
import { parseScanner } from '../scan/config.js';
import type { LocalServerOptions, S3StorageOptions } from './start.js';

export type ParsedArgs = { kind: 'help'; text: string } | { kind: 'usage'; message: string } | { kind: 'ok'; opts: LocalServerOptions };

export const USAGE =
  'usage: local-server [--port 8787] [--host 127.0.0.1] [--state DIR] [--seed FILE] [--no-persist]\n' +
  '                    [--max-bytes N] [--url-ttl S] [--intent-rate N] [--multipart-threshold N] [--part-size N]\n' +
  '                    [--device-interval S] [--quota-bytes N] [--storage r2|s3]\n' +
  '                    [--scanner auto|none|clamd://HOST:PORT] [--scan-stream-max N] [--processing on|off]\n' +
  '  --storage s3: --s3-endpoint URL --s3-bucket NAME [--s3-region auto] --s3-access-key-id ID\n' +
  '                --s3-secret-access-key SECRET [--s3-if-none-match on|off] [--s3-multipart on|off]\n' +
  '                (or PIXIMMO_S3_ENDPOINT, PIXIMMO_S3_BUCKET, PIXIMMO_S3_REGION, PIXIMMO_S3_ACCESS_KEY_ID,\n' +
  '                 PIXIMMO_S3_SECRET_ACCESS_KEY, PIXIMMO_S3_IF_NONE_MATCH, PIXIMMO_S3_MULTIPART)\n';

const NUMBERS = ['port', 'max-bytes', 'url-ttl', 'intent-rate', 'multipart-threshold', 'part-size', 'device-interval', 'quota-bytes'] as const;
const S3_TEXT = ['endpoint', 'bucket', 'region', 'access-key-id', 'secret-access-key', 'if-none-match', 'multipart'] as const;
type S3Text = (typeof S3_TEXT)[number];

class UsageError extends Error {}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0, got "${v}"`);
  return n;
}

function onOff(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  const l = v.toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(l)) return true;
  if (['off', 'false', '0', 'no'].includes(l)) return false;
  throw new UsageError(`${name} must be on or off, got "${v}"`);
}

function envName(k: S3Text): string {
  return `PIXIMMO_S3_${k.toUpperCase().replace(/-/g, '_')}`;
}

function s3Options(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): S3StorageOptions {
  const get = (k: S3Text): string | undefined => {
    const flag = values[`s3-${k}`];
    const v = typeof flag === 'string' ? flag : env[envName(k)];
    return v === undefined || v === '' ? undefined : v;
  };
  const need = (k: S3Text): string => {
    const v = get(k);
    if (v === undefined) throw new UsageError(`--storage s3 needs --s3-${k} (or ${envName(k)})`);
    return v;
  };
  const endpoint = need('endpoint');
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new UsageError(`--s3-endpoint must be a URL like http://127.0.0.1:9000, got "${endpoint}"`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash) {
    throw new UsageError(`--s3-endpoint must be an http(s) URL without query or fragment, got "${endpoint}"`);
  }
  return {
    endpoint,
    bucket: need('bucket'),
    region: get('region'),
    accessKeyId: need('access-key-id'),
    secretAccessKey: need('secret-access-key'),
    ifNoneMatch: onOff(`--s3-if-none-match (${envName('if-none-match')})`, get('if-none-match')),
    multipart: onOff(`--s3-multipart (${envName('multipart')})`, get('multipart')),
  };
}

/** --scanner (default auto) and --scan-stream-max, flag > environment; throws UsageError on a bad value. */
function scannerOptions(flag: string | undefined, max: string | undefined, env: NodeJS.ProcessEnv): Pick<LocalServerOptions, 'scanner' | 'scanStreamMax'> {
  const scanner = (flag ?? (env.PIXIMMO_SCANNER || 'auto')).trim();
  if (!/^(auto|none|off)$/i.test(scanner)) {
    try {
      parseScanner(scanner);
    } catch {
      throw new UsageError(`--scanner must be auto, none or clamd://HOST:PORT, got "${scanner}"`);
    }
  }
  const m = num('scan-stream-max', max ?? (env.PIXIMMO_SCAN_STREAM_MAX || undefined));
  if (m !== undefined && m < 65536) throw new UsageError(`--scan-stream-max must be at least 65536 bytes, got "${m}"`);
  return { scanner, ...(m !== undefined ? { scanStreamMax: m } : {}) };
}

/** Parses `argv` (without node and script) with `env` as the fallback for storage settings. */
export function parseServerArgs(argv: string[], env: NodeJS.ProcessEnv = {}): ParsedArgs {
  try {
    const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
      host: { type: 'string' },
      state: { type: 'string' },
      seed: { type: 'string' },
      storage: { type: 'string' },
      scanner: { type: 'string' },
      'scan-stream-max': { type: 'string' },
      processing: { type: 'string' },
      'no-persist': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    };
    for (const n of NUMBERS) options[n] = { type: 'string' };
    for (const k of S3_TEXT) options[`s3-${k}`] = { type: 'string' };
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (values.help) return { kind: 'help', text: USAGE };
    const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const storage = (str('storage') ?? (env.PIXIMMO_STORAGE || 'r2')).toLowerCase();
    if (storage !== 'r2' && storage !== 's3') throw new UsageError(`--storage must be r2 or s3, got "${storage}"`);
    const s3Flags = S3_TEXT.filter((k) => values[`s3-${k}`] !== undefined);
    if (storage === 'r2' && s3Flags.length > 0) throw new UsageError(`--s3-${s3Flags[0]} needs --storage s3`);
    const opts: LocalServerOptions = {
      port: num('port', str('port')) ?? 8787,
      host: str('host'),
      stateDir: str('state'),
      seed: str('seed'),
      maxBytes: num('max-bytes', str('max-bytes')),
      urlTtlSeconds: num('url-ttl', str('url-ttl')),
      intentRate: num('intent-rate', str('intent-rate')),
      multipartThreshold: num('multipart-threshold', str('multipart-threshold')),
      partSize: num('part-size', str('part-size')),
      devicePollInterval: num('device-interval', str('device-interval')),
      quotaBytes: num('quota-bytes', str('quota-bytes')),
      persist: !values['no-persist'],
      storage,
      ...scannerOptions(str('scanner'), str('scan-stream-max'), env),
      processing: onOff('--processing', str('processing')) ?? true,
      ...(storage === 's3' ? { s3: s3Options(values, env) } : {}),
    };
    return { kind: 'ok', opts };
  } catch (e) {
    if (e instanceof UsageError) return { kind: 'usage', message: e.message };
    throw e;
  }
}
