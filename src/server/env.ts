/**
 * Worker bindings and settings (wrangler.toml `[vars]`, Miniflare `bindings`), and their parsed form.
 *
 * Every var arrives as a string (or is absent); `readConfig` turns them into numbers with the SPEC's
 * defaults and throws `Error` on a value that cannot be used (a misconfigured deployment should fail loudly).
 */
import { MIN_PART_SIZE } from '../contract/parts.js';

/**
 * Bindings as the Worker receives them: the generated `Cloudflare.Env` (worker-configuration.d.ts, made by
 * `npm run types` = `wrangler types` from wrangler.toml; CI checks it is current), every member optional
 * (the local server sets only some vars; readConfig has the defaults), plus what wrangler.toml does not
 * declare (secrets, optional vars). Members redeclared here add the documentation (required ones: always
 * bound); their types must fit the generated ones, so a binding renamed or retyped in wrangler.toml fails tsc.
 */
export interface Env extends Partial<Cloudflare.Env> {
  /** R2 bucket `piximmo-media` (SPEC "Minimal-Konfig"). */
  BUCKET: R2Bucket;
  /** D1 database; schema in migrations/. */
  DB: D1Database;
  /** Per-user token bucket for intents (src/server/ratelimit/intent-limiter.ts). */
  INTENT_LIMITER: DurableObjectNamespace;
  /** "local": HMAC-signed URLs to this Worker's `PUT /upload/<token>`; "s3": SigV4 URLs to S3_ENDPOINT. */
  SIGNER?: string;
  /**
   * How the Worker itself reaches stored objects (finalize HEAD, multipart create/complete/abort,
   * housekeeping deletes): "r2" (default) = the BUCKET binding; "s3" = signed HTTP requests to
   * S3_ENDPOINT (storage/s3.ts). Production on R2 keeps "r2" (same bucket, no extra round trips).
   */
  STORE?: string;
  /** Workers Images binding: previews (SPEC v2 "Previews"; Miniflare runs it on Sharp). */
  IMAGES?: ImagesBinding;
  /** Queue of processing jobs `{file_id}` after finalize (processing/enqueue.ts; consumer processing/consumer.ts). */
  PREVIEW_QUEUE?: Queue<{ file_id: string }>;
  /** Seconds before a failed processing job's first retry (doubled per attempt); default 10. */
  PROCESSING_RETRY_DELAY?: string;
  /** The local server's start-up gate (startup-gate.ts): a random string per start; never set in production. */
  LOCAL_STARTUP_GATE?: string;
  /** HMAC key of the local signer (any string; the local server makes a random one). */
  LOCAL_SIGNING_SECRET?: string;
  /** Max file size in bytes; default 262144000 (SPEC: 250 MB). */
  MAX_BYTES?: string;
  /** Signed URL lifetime in seconds; default 300 (SPEC: 5 minutes). */
  URL_TTL_SECONDS?: string;
  /** Intents per second per user; default 3 (SPEC); "0" = unlimited. */
  INTENT_RATE?: string;
  /** Files with more bytes than this go multipart; default 104857600 (SPEC: 100 MB). */
  MULTIPART_THRESHOLD?: string;
  /** Multipart part size in bytes; default 16 MiB; at least 5 MiB (S3/R2 minimum). */
  PART_SIZE?: string;
  /** Device login (RFC 8628): seconds a client must wait between polls; default 5. */
  DEVICE_POLL_INTERVAL?: string;
  /** Device login: lifetime of a device code in seconds; default 600. */
  DEVICE_CODE_TTL?: string;
  /** S3 signer: e.g. https://<account>.r2.cloudflarestorage.com */
  S3_ENDPOINT?: string;
  S3_BUCKET?: string;
  /** S3 signer region; R2 uses "auto". */
  S3_REGION?: string;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
  /**
   * S3 signer: "on" (default) signs `If-None-Match: *` into single-PUT URLs so a second PUT on the key
   * fails (SPEC, R2/S3 honour it); "off" leaves it out, for sinks that reject the conditional.
   */
  S3_IF_NONE_MATCH?: string;
  /**
   * STORE "s3": "on" (default) = multipart via the S3 API above MULTIPART_THRESHOLD; "off" = single PUT
   * for every size up to MAX_BYTES (sinks without multipart, e.g. nginx WebDAV). Ignored with STORE "r2".
   */
  S3_MULTIPART?: string;
  /** Web uploader (src/server/web/settings.ts): allowed extensions, comma-separated; default SPEC v2's list. */
  WEB_TYPES?: string;
  /** Web uploader: uploads at once, 3–5; default 4 (seed 000). */
  WEB_CONCURRENCY?: string;
  /** Web uploader: "on" lets /app sign in as any seeded user — set by the local server only, never in production. */
  WEB_SIGNIN_USERS?: string;
  /** SPEC v2 quotas: storage per user in bytes; default 50000000000 (50 GB). */
  QUOTA_BYTES?: string;
  /** Malware scanner (issue 16, scan/config.ts): "clamd://host:port" (TCP from the Worker) or "none". */
  SCANNER?: string;
  /** Bytes per INSTREAM, at most clamd's StreamMaxLength; default 25 MiB; longer objects go in windows. */
  SCANNER_STREAM_MAX?: string;
  /** Milliseconds one INSTREAM may take; default 120000. */
  SCANNER_TIMEOUT_MS?: string;
}

export interface ServerConfig {
  signer: 'local' | 's3';
  /** Server-side object access: the R2 binding or signed S3 requests (see Env.STORE). */
  store: 'r2' | 's3';
  /** S3 signer: sign `If-None-Match: *` into single PUTs. */
  s3IfNoneMatch: boolean;
  /** false: never multipart, single PUT up to maxBytes (STORE "s3" with S3_MULTIPART "off"). */
  multipart: boolean;
  /** Bytes. */
  maxBytes: number;
  /** Seconds. */
  urlTtlSeconds: number;
  /** Intents per second per user; 0 = unlimited. */
  intentRate: number;
  /** Bytes; a file with more bytes goes multipart. */
  multipartThreshold: number;
  /** Bytes, >= MIN_PART_SIZE. */
  partSize: number;
  /** Seconds. */
  devicePollInterval: number;
  /** Seconds. */
  deviceCodeTtl: number;
  /** SPEC v2 quotas: bytes per user. */
  quotaBytes: number;
}

/** S3/R2 part limits: one definition, the contract's (src/contract/parts.ts). */
export { MAX_PARTS, MIN_PART_SIZE } from '../contract/parts.js';

function num(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return n;
}

function onOff(raw: string | undefined, name: string, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  const v = raw.toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  throw new Error(`${name} must be "on" or "off", got "${raw}"`);
}

function oneOf<T extends string>(raw: string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  const v = (raw || fallback).toLowerCase();
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return v as T;
}

/** Parses the vars of `env`; throws Error on an unusable value (e.g. PART_SIZE below 5 MiB). */
export function readConfig(env: Env): ServerConfig {
  const signer = oneOf(env.SIGNER, 'SIGNER', ['local', 's3'] as const, 'local');
  const store = oneOf(env.STORE, 'STORE', ['r2', 's3'] as const, 'r2');
  return {
    signer,
    store,
    s3IfNoneMatch: onOff(env.S3_IF_NONE_MATCH, 'S3_IF_NONE_MATCH', true),
    multipart: store === 'r2' || onOff(env.S3_MULTIPART, 'S3_MULTIPART', true),
    maxBytes: num(env.MAX_BYTES, 'MAX_BYTES', 262_144_000, 1),
    urlTtlSeconds: num(env.URL_TTL_SECONDS, 'URL_TTL_SECONDS', 300, 1),
    intentRate: num(env.INTENT_RATE, 'INTENT_RATE', 3, 0),
    multipartThreshold: num(env.MULTIPART_THRESHOLD, 'MULTIPART_THRESHOLD', 104_857_600, 0),
    partSize: num(env.PART_SIZE, 'PART_SIZE', 16 * 1024 * 1024, MIN_PART_SIZE),
    devicePollInterval: num(env.DEVICE_POLL_INTERVAL, 'DEVICE_POLL_INTERVAL', 5, 0),
    deviceCodeTtl: num(env.DEVICE_CODE_TTL, 'DEVICE_CODE_TTL', 600, 1),
    quotaBytes: num(env.QUOTA_BYTES, 'QUOTA_BYTES', 50_000_000_000, 0),
  };
}
