/**
 * The local server (SPEC "The local server"): the bundled Worker (dist/worker.js — run `npm run build`
 * first) under Miniflare on 127.0.0.1, with R2/D1/Durable Object state persisted under `stateDir`,
 * migrations applied and users/orders seeded. The Worker uses the local signer: signed URLs point at
 * its own `PUT /upload/<token>`, on the origin each request came in on.
 *
 * Throws Error when dist/worker.js is missing, the seed is malformed, or the port is taken.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { applyMigrations, type D1Like } from './migrate.js';
import { defaultSeedPath, migrationsDir, workerScriptPath } from './paths.js';
import { applySeed, loadSeed, type SeedFile } from './seed.js';

export type { SeedFile, SeedOrder, SeedUser } from './seed.js';

export interface LocalServerOptions {
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
  /** Keep R2/D1/DO state and the signing secret in stateDir; default true. false = in memory. */
  persist?: boolean;
}

export interface LocalServer {
  /** "http://127.0.0.1:PORT" (no trailing slash). */
  url: string;
  port: number;
  close(): Promise<void>;
  /** Fires the Worker's scheduled (cron) handler as of `at`. */
  runScheduled(at: Date): Promise<void>;
  mf: Miniflare;
}

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
  writeFileSync(file, s + '\n', { mode: 0o600 });
  return s;
}

function optVar(v: number | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}

export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
  const persist = opts.persist ?? true;
  const stateDir = resolve(opts.stateDir ?? '.piximmo-dev');
  const script = workerScriptPath();
  if (!existsSync(script)) throw new Error(`${script} not found: run \`npm run build\` first`);
  const seed = loadSeed(opts.seed ?? defaultSeedPath());
  if (persist) mkdirSync(stateDir, { recursive: true });

  const vars: Record<string, string> = { SIGNER: 'local', LOCAL_SIGNING_SECRET: signingSecret(stateDir, persist) };
  const extra: Record<string, string | undefined> = {
    MAX_BYTES: optVar(opts.maxBytes),
    URL_TTL_SECONDS: optVar(opts.urlTtlSeconds),
    INTENT_RATE: optVar(opts.intentRate),
    MULTIPART_THRESHOLD: optVar(opts.multipartThreshold),
    PART_SIZE: optVar(opts.partSize),
    DEVICE_POLL_INTERVAL: optVar(opts.devicePollInterval),
    DEVICE_CODE_TTL: optVar(opts.deviceCodeTtl),
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) vars[k] = v;

  const mf = new Miniflare({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 8787,
    modules: true,
    scriptPath: script,
    compatibilityDate: '2025-09-01',
    bindings: vars,
    r2Buckets: ['BUCKET'],
    d1Databases: ['DB'],
    durableObjects: { INTENT_LIMITER: 'IntentLimiter' },
    r2Persist: persist ? join(stateDir, 'r2') : false,
    d1Persist: persist ? join(stateDir, 'd1') : false,
    durableObjectsPersist: persist ? join(stateDir, 'do') : false,
    // Worker console output goes to stderr: stdout carries only the runner's "listening on …" line.
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.pipe(process.stderr);
      stderr.pipe(process.stderr);
    },
  });
  try {
    const ready = await mf.ready;
    const db = (await mf.getD1Database('DB')) as unknown as D1Like;
    await applyMigrations(db, migrationsDir());
    await applySeed(db, seed);
    const port = Number(ready.port);
    return {
      url: `http://${ready.hostname}:${port}`,
      port,
      mf,
      close: () => mf.dispose(),
      async runScheduled(at: Date) {
        const worker = await mf.getWorker();
        await worker.scheduled({ scheduledTime: at, cron: HOUSEKEEPING_CRON });
      },
    };
  } catch (e) {
    await mf.dispose().catch(() => undefined);
    throw e;
  }
}
