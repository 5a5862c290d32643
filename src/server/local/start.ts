/**
 * The local server (SPEC "The local server"): the bundled Worker (dist/worker.js — run `npm run build`
 * first) under Miniflare on 127.0.0.1, with R2/D1/Durable Object state persisted under `stateDir`,
 * migrations applied and users/orders seeded.
 *
 * Storage (`storage`):
 * - "r2" (default): the local signer — signed URLs point at the Worker's own `PUT /upload/<token>`, on
 *   the origin each request came in on — and Miniflare's emulated R2 in `stateDir`.
 * - "s3": the production path against any S3-compatible endpoint (`s3`): SigV4 query-signed PUT URLs to
 *   `<endpoint>/<bucket>/<key>` (SIGNER "s3"), and the Worker checks/assembles/deletes objects with signed
 *   S3 requests (STORE "s3", storage/s3.ts). Use a separate `stateDir` per storage: D1 rows of one mode
 *   name objects the other cannot see.
 *
 * Throws Error when dist/worker.js is missing, the seed is malformed, S3 settings are incomplete, or
 * the port is taken.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { applyMigrations, type D1Like } from './migrate.js';
import { GATE_HEADER, GATE_OPEN_PATH } from '../startup-gate.js';
import { defaultSeedPath, migrationsDir, workerScriptPath } from './paths.js';
import { type LocalScanner, setUpScanner } from './scanner.js';
import { applySeed, loadSeed, type SeedFile } from './seed.js';

export type { SeedFile, SeedOrder, SeedUser } from './seed.js';

/** An S3-compatible endpoint for `storage: "s3"` (path-style URLs `<endpoint>/<bucket>/<key>`). */
export interface S3StorageOptions {
  /** e.g. "http://127.0.0.1:9000"; http or https, a path prefix is kept. */
  endpoint: string;
  bucket: string;
  /** SigV4 region; default "auto" (R2's). */
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Sign `If-None-Match: *` into single PUTs (a second PUT on the key fails on R2/S3); default true. */
  ifNoneMatch?: boolean;
  /** Multipart above multipartThreshold via the S3 API; default true. false: single PUT up to maxBytes. */
  multipart?: boolean;
}

export interface LocalServerOptions {
  /** "r2" (default): emulated R2 + local upload route; "s3": sign for `s3` (see the file comment). */
  storage?: 'r2' | 's3';
  /** Required when storage is "s3". */
  s3?: S3StorageOptions;
  /** Default 8787; 0 = an ephemeral port (read it from `LocalServer.port`). */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** Default ".piximmo-dev" (relative to cwd). */
  stateDir?: string;
  /** Seed file path or object; default fixtures/demo-seed.json of the package. */
  seed?: string | SeedFile;
  /** Bytes; default 262144000 (SPEC: 250 MB). */
  maxBytes?: number;
  /** Seconds; default 300. */
  urlTtlSeconds?: number;
  /** Intents per second per user; default 3; 0 = unlimited. */
  intentRate?: number;
  /** Bytes; files above go multipart; default 104857600. */
  multipartThreshold?: number;
  /** Bytes, >= 5 MiB; default 16 MiB. */
  partSize?: number;
  /** Device login poll interval in seconds; default 5. */
  devicePollInterval?: number;
  /** Device code lifetime in seconds; default 600. */
  deviceCodeTtl?: number;
  /** Web uploader: allowed extensions (WEB_TYPES); default SPEC v2's list. */
  webTypes?: string[];
  /** Web uploader: uploads at once, 3–5 (WEB_CONCURRENCY); default 4. */
  webConcurrency?: number;
  /** Web uploader: offer the seeded users at /app sign-in (WEB_SIGNIN_USERS); default true (local only). */
  webSigninUsers?: boolean;
  /** Seconds before a failed processing job is retried (doubled per attempt); default 10. */
  processingRetryDelay?: number;
  /** SPEC v2 quotas: bytes per user; default 50000000000 (50 GB). */
  quotaBytes?: number;
  /** Keep R2/D1/DO state and the signing secret in stateDir; default true. false = in memory. */
  persist?: boolean;
  /** Malware scanner (issue 16, local/scanner.ts): "none" (default here), "auto" or "clamd://host:port". */
  scanner?: string;
  /** Bytes per INSTREAM (SCANNER_STREAM_MAX; with "auto" also clamd's StreamMaxLength); default 25 MiB. */
  scanStreamMax?: number;
  /**
   * Processing after finalize (SPEC v2 "Previews": previews, the scan), i.e. the queue's consumer; default
   * true. false: finalized files are queued and stay `uploaded` — for the bench's data-path comparisons on
   * one machine, where the Worker's processing would take the CPU the client and the simulated link share
   * (in production it runs on Cloudflare's machines, not the photographer's). The tests keep it on.
   */
  processing?: boolean;
  /**
   * The Worker's console: "all" (default) copies console.log and console.warn/error to this process's stderr;
   * "warnings" drops console.log (one line per processed file) and keeps warnings and errors — the tests' choice.
   */
  workerLog?: 'all' | 'warnings';
}

export interface LocalServer {
  /** "http://127.0.0.1:PORT" (no trailing slash). */
  url: string;
  storage: 'r2' | 's3';
  port: number;
  close(): Promise<void>;
  /** The scanner in use: "none" or a clamd URL; `scanner.clamd` is the private clamd of "auto". */
  scanner: LocalScanner;
  /** Fires the Worker's scheduled (cron) handler as of `at`. */
  runScheduled(at: Date): Promise<void>;
  mf: Miniflare;
}

/** Queue of processing jobs (wrangler.toml [[queues.producers]] / [[queues.consumers]]). */
export const PREVIEW_QUEUE_NAME = 'piximmo-previews';

/** Cron of wrangler.toml [triggers]; only informative for scheduled(). */
export const HOUSEKEEPING_CRON = '17 * * * *';

/** Signing secret kept in the state dir (mode 0600) so URLs survive a restart. */
function signingSecret(stateDir: string, persist: boolean): string {
  if (!persist) return randomBytes(32).toString('hex');
  const file = join(stateDir, 'local-signing-secret');
  if (existsSync(file)) {
    const s = readFileSync(file, 'utf8').trim();
    if (s) return s;
  }
  const s = randomBytes(32).toString('hex');
  writeFileSync(file, `${s}\n`, { mode: 0o600 });
  return s;
}

function optVar(v: number | boolean | undefined): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);
}

/** Worker vars selecting signer and store; throws Error when the S3 settings are incomplete. */
function storageVars(opts: LocalServerOptions, stateDir: string, persist: boolean): Record<string, string> {
  const storage = opts.storage ?? 'r2';
  if (storage === 'r2') return { SIGNER: 'local', STORE: 'r2', LOCAL_SIGNING_SECRET: signingSecret(stateDir, persist) };
  if (storage !== 's3') throw new Error(`storage must be "r2" or "s3", got "${String(storage)}"`);
  const s3 = opts.s3;
  if (!s3) throw new Error('storage "s3" needs the s3 options (endpoint, bucket, accessKeyId, secretAccessKey)');
  for (const k of ['endpoint', 'bucket', 'accessKeyId', 'secretAccessKey'] as const) {
    if (!s3[k]) throw new Error(`storage "s3": ${k} is not set`);
  }
  if (!/^https?:\/\/[^/?#]+/.test(s3.endpoint)) throw new Error(`storage "s3": endpoint must be an http(s) URL, got "${s3.endpoint}"`);
  const vars: Record<string, string> = {
    SIGNER: 's3',
    STORE: 's3',
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region || 'auto',
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
  const inm = optVar(s3.ifNoneMatch);
  const mp = optVar(s3.multipart);
  if (inm) vars.S3_IF_NONE_MATCH = inm;
  if (mp) vars.S3_MULTIPART = mp;
  return vars;
}

export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
  const persist = opts.persist ?? true;
  const stateDir = resolve(opts.stateDir ?? '.piximmo-dev');
  const script = workerScriptPath();
  if (!existsSync(script)) throw new Error(`${script} not found: run \`npm run build\` first`);
  const seed = loadSeed(opts.seed ?? defaultSeedPath());
  if (persist) mkdirSync(stateDir, { recursive: true });

  const vars = storageVars(opts, stateDir, persist);
  // Requests wait while the database is migrated and seeded below (startup-gate.ts).
  const gate = randomBytes(16).toString('hex');
  vars.LOCAL_STARTUP_GATE = gate;
  const extra: Record<string, string | undefined> = {
    MAX_BYTES: optVar(opts.maxBytes),
    URL_TTL_SECONDS: optVar(opts.urlTtlSeconds),
    INTENT_RATE: optVar(opts.intentRate),
    MULTIPART_THRESHOLD: optVar(opts.multipartThreshold),
    PART_SIZE: optVar(opts.partSize),
    DEVICE_POLL_INTERVAL: optVar(opts.devicePollInterval),
    DEVICE_CODE_TTL: optVar(opts.deviceCodeTtl),
    WEB_TYPES: opts.webTypes?.join(','),
    WEB_CONCURRENCY: optVar(opts.webConcurrency),
    // The local server offers its seeded users at /app sign-in (never set in production: wrangler.toml).
    WEB_SIGNIN_USERS: opts.webSigninUsers === false ? 'off' : 'on',
    PROCESSING_RETRY_DELAY: optVar(opts.processingRetryDelay),
    QUOTA_BYTES: optVar(opts.quotaBytes),
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) vars[k] = v;
  const scanner = await setUpScanner(opts.scanner, opts.scanStreamMax);
  Object.assign(vars, scanner.vars);

  const mf = new Miniflare({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 8787,
    modules: true,
    scriptPath: script,
    // Module names relative to dist/ (absolute root): a relative root from another working directory made
    // workerd refuse the wasm module ("can't use '..' to break out of starting directory").
    modulesRoot: dirname(script),
    // libheif's .wasm beside dist/worker.js, imported as a compiled module (processing/heif-decoder.ts).
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-09-01',
    bindings: vars,
    r2Buckets: ['BUCKET'],
    d1Databases: ['DB'],
    durableObjects: { INTENT_LIMITER: 'IntentLimiter' },
    // Processing after finalize (SPEC v2 "Previews"): the same queue as wrangler.toml, consumed by this Worker.
    queueProducers: { PREVIEW_QUEUE: PREVIEW_QUEUE_NAME },
    queueConsumers: opts.processing === false ? {} : { [PREVIEW_QUEUE_NAME]: { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 5 } },
    // Workers Images binding, run by Miniflare on Sharp.
    images: { binding: 'IMAGES' },
    r2Persist: persist ? join(stateDir, 'r2') : false,
    d1Persist: persist ? join(stateDir, 'd1') : false,
    durableObjectsPersist: persist ? join(stateDir, 'do') : false,
    // Worker console output goes to stderr: stdout carries only the runner's "listening on …" line.
    // With workerLog "warnings", workerd's stdout (console.log) is still read, so its pipe never fills.
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      if (opts.workerLog === 'warnings') stdout.resume();
      else stdout.pipe(process.stderr);
      stderr.pipe(process.stderr);
    },
  });
  try {
    const ready = await mf.ready;
    const db = (await mf.getD1Database('DB')) as unknown as D1Like;
    await applyMigrations(db, migrationsDir());
    await applySeed(db, seed);
    const opened = await mf.dispatchFetch(`http://localhost${GATE_OPEN_PATH}`, { method: 'POST', headers: { [GATE_HEADER]: gate } });
    if (opened.status !== 204) throw new Error(`the Worker did not open its start-up gate (HTTP ${opened.status})`);
    const port = Number(ready.port);
    return {
      url: `http://${ready.hostname}:${port}`,
      port,
      storage: opts.storage ?? 'r2',
      mf,
      scanner,
      close: () => mf.dispose().finally(() => scanner.close()),
      async runScheduled(at: Date) {
        const worker = await mf.getWorker();
        await worker.scheduled({ scheduledTime: at, cron: HOUSEKEEPING_CRON });
      },
    };
  } catch (e) {
    await mf.dispose().catch(() => undefined);
    await scanner.close().catch(() => undefined);
    throw e;
  }
}
