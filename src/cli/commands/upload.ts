/**
 * `piximmo upload <dir…> --order ID` (SPEC "The CLI"): scan and plan each folder, open its manifest,
 * run the engine through one pool, check the order's file list on the server, print the summary.
 */
import path from 'node:path';
import { PiximmoApi } from '../../api/client.js';
import { sha256File } from '../../core/hash.js';
import { UploadEngine } from '../../core/engine.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../core/retry.js';
import type { PlannedFile, Shoot } from '../../core/events.js';
import { ManifestLockedError, ManifestStore, manifestPathFor } from '../../core/manifest.js';
import { planShoot, type ShootPlan } from '../../core/plan.js';
import { parseTypes } from '../../core/scan.js';
import { authedApi, type GlobalOptions } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { formatBytes } from '../format.js';
import { writeJsonLine } from '../render/json.js';
import { pickRenderer } from '../render/pick.js';
import type { RunRenderer, ServerCheck } from '../render/types.js';
import { resolveConcurrency, resolveTypes, settingsStore, UsageError } from '../settings.js';
import { summarize } from '../summary.js';
import { t } from '../i18n/index.js';
import { verifyOnServer } from '../server-check.js';

export interface UploadOptions extends GlobalOptions {
  order: string;
  concurrency?: string;
  types?: string;
  dryRun?: boolean;
  progress?: boolean;
  manifest?: string;
  room?: string;
  stackGap?: string;
  intentRate?: string;
  retries?: string;
}

/** Runs an upload; returns the exit code (SPEC "Exit codes"). Throws CliExit/UsageError for setup problems. */
export async function uploadCommand(dirs: string[], opts: UploadOptions): Promise<number> {
  const types = parseTypesOrUsage(resolveTypes(opts.types));
  const concurrency = resolveConcurrency(opts.concurrency);
  if (opts.manifest && dirs.length > 1) throw new UsageError(t('usage.manifestOne'));
  const renderer = await pickRenderer(opts);
  const api = opts.dryRun ? undefined : authedApi(opts);
  const plans: ShootPlan[] = [];
  for (const dir of dirs) {
    renderer.scanStart(dir);
    plans.push(await planOrUsage(dir, opts, types));
    renderer.scanDone(plans[plans.length - 1], opts.order);
  }
  if (opts.dryRun || !api) {
    renderer.close();
    printPlan(plans, opts);
    return EXIT.OK;
  }
  const retry = resolveRetry(opts.retries);
  return runPlans(plans.map((p) => ({ plan: p, orderId: opts.order })), { api, renderer, concurrency, retry, manifestFile: opts.manifest, intentRate: opts.intentRate });
}

export interface RunPlansOptions {
  api: PiximmoApi;
  renderer: RunRenderer;
  concurrency: number;
  manifestFile?: string;
  intentRate?: string;
  retry?: RetryPolicy;
}

/** Uploads planned shoots (each into its order) through one engine and one pool; returns the exit code. */
export async function runPlans(jobs: { plan: ShootPlan; orderId: string }[], o: RunPlansOptions): Promise<number> {
  const { api, renderer } = o;
  const shoots: Shoot[] = [];
  const stop = new AbortController();
  let engine: UploadEngine | undefined;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.INTERRUPTED); // twice: at once; the manifest on disk stays valid (atomic writes)
    renderer.notice('warn', 'INTERRUPTING', t('run.interrupting'));
    stop.abort(new Error('SIGINT'));
  };
  try {
    for (const { plan, orderId } of jobs) {
      const file = o.manifestFile ? path.resolve(o.manifestFile) : manifestPathFor(plan.root, orderId);
      const opened = await ManifestStore.open(file, { root: plan.root, orderId, apiUrl: api.apiUrl }, (err) =>
        engine?.abortAll({
          code: 'MANIFEST_WRITE_FAILED',
          detail: `${file}: ${err.message}`,
          params: { cause: (err as NodeJS.ErrnoException).code ?? 'EIO' },
        }),
      ).catch((err: unknown) => {
        if (err instanceof ManifestLockedError) {
          throw new CliExit(EXIT.USAGE, t('manifest.locked', { pid: err.pid, host: err.host, file: err.file }), 'MANIFEST_LOCKED');
        }
        throw err;
      });
      const shoot: Shoot = { root: plan.root, orderId, manifest: opened.store };
      if (opened.rebuilt) {
        renderer.notice('warn', 'MANIFEST_REBUILT', t('manifest.rebuilt', { detail: opened.rebuilt.reason, aside: opened.rebuilt.aside }));
        shoot.known = await knownContent(api, orderId);
      }
      shoots.push(shoot);
    }
    const warnings: { file: PlannedFile; detail: string }[] = [];
    const files: PlannedFile[] = jobs.flatMap(({ plan }, i) =>
      plan.items.map(({ exifWarning, ...item }) => {
        const f: PlannedFile = { ...item, shoot: shoots[i] };
        if (exifWarning) warnings.push({ file: f, detail: exifWarning });
        return f;
      }),
    );
    const intentRate = o.intentRate !== undefined ? Number(o.intentRate) : Number(process.env.PIXIMMO_INTENT_RATE ?? 3);
    engine = new UploadEngine({ api, hashFile: sha256File }, { concurrency: o.concurrency, signal: stop.signal, intentRate, retry: o.retry });
    engine.on((e) => renderer.event(e));
    for (const w of warnings) renderer.event({ type: 'warning', file: w.file, code: 'EXIF_UNREADABLE', detail: w.detail });
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    renderer.start(files);
    const result = await engine.run(files);
    const check: ServerCheck =
      result.fatal || result.interrupted ? { checked: false, missing: [] } : await verifyOnServer(api, result.outcomes);
    renderer.finish(summarize(result), check);
    return exitCodeFor(result.fatal?.code, result.interrupted, result.outcomes.some((x) => x.state === 'failed') || check.missing.length > 0);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    renderer.close();
    await Promise.all(shoots.map((s) => s.manifest.close().catch(() => undefined)));
    await api.close().catch(() => undefined);
  }
}

/**
 * The order's files on the server by checksum, to rebuild a lost manifest without sending anything twice.
 * Errors (401, 403 …) surface later at the first intent with the usual handling, so they are ignored here.
 */
async function knownContent(api: PiximmoApi, orderId: string): Promise<Shoot['known']> {
  try {
    const { files } = await api.listFiles(orderId);
    return new Map(files.filter((f) => f.checksum).map((f) => [f.checksum!, { file_id: f.file_id, object_key: f.object_key }]));
  } catch {
    return undefined;
  }
}

export function exitCodeFor(fatal: string | undefined, interrupted: boolean, anyFailed: boolean): number {
  if (fatal === 'UNAUTHENTICATED') return EXIT.AUTH;
  if (fatal === 'ORDER_FORBIDDEN') return EXIT.ORDER_FORBIDDEN;
  if (interrupted) return EXIT.INTERRUPTED;
  if (fatal || anyFailed) return EXIT.FAILED;
  return EXIT.OK;
}

/** `--retries N` / PIXIMMO_RETRIES: tries per request for transient failures (issue 3: configurable attempts). */
export function resolveRetry(flag?: string): RetryPolicy {
  const raw = flag ?? process.env.PIXIMMO_RETRIES;
  if (raw === undefined || raw === '') return DEFAULT_RETRY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError(t('usage.retries', { value: raw }));
  return { ...DEFAULT_RETRY, attempts: n };
}

function parseTypesOrUsage(spec: string | undefined): string[] {
  try {
    return parseTypes(spec);
  } catch (err) {
    throw new UsageError(t('usage.types', { detail: (err as Error).message }));
  }
}

export async function planOrUsage(dir: string, opts: { room?: string; stackGap?: string }, types: readonly string[]): Promise<ShootPlan> {
  const conf = settingsStore();
  const gapRaw = opts.stackGap ?? conf.get('stack_gap');
  const stackGapMs = gapRaw === undefined ? undefined : Number(gapRaw) * 1000;
  if (stackGapMs !== undefined && !(stackGapMs >= 0)) throw new UsageError(t('usage.stackGap', { value: gapRaw }));
  try {
    return await planShoot(dir, { types, aliases: conf.get('room_aliases'), defaultRoom: opts.room, stackGapMs });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(t('usage.noFolder', { dir }));
    if (code === 'ENOTDIR') throw new UsageError(t('usage.notFolder', { dir }));
    throw err;
  }
}

/** --dry-run: the plan, file → room_type, stack_id, size; nothing is sent. */
function printPlan(plans: ShootPlan[], opts: UploadOptions): void {
  for (const plan of plans) {
    for (const i of plan.items) {
      if (opts.json) {
        writeJsonLine({ event: 'plan', root: plan.root, order_id: opts.order, path: i.relPath, room_type: i.room_type, stack_id: i.stack_id, bytes: i.bytes, ev: i.meta.ev ?? null, captured_at: i.meta.captured_at ?? null });
      } else {
        process.stdout.write(`${i.relPath}  →  ${i.room_type}  ${i.stack_id}  ${formatBytes(i.bytes)}${i.meta.ev !== undefined ? `  EV ${i.meta.ev}` : ''}\n`);
      }
    }
  }
  if (!opts.json) process.stdout.write(`${t('plan.dry')}\n`);
}

