/**
 * `piximmo upload <dir…> --order ID` (SPEC "The CLI"): scan and plan each folder, open its manifest,
 * run the engine through one pool, check the order's file list on the server, print the summary.
 */
import type { PiximmoApi } from '../../api/client.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../core/transfer/retry.js';
import { DEFAULT_OFFLINE_WAIT_MS, parseOfflineWait } from '../../core/transfer/offline.js';
import type { PlannedFile, RunResult } from '../../core/transfer/events.js';
import { UploadSession } from '../session.js';
import { planShoot, type ShootPlan } from '../../core/plan/plan.js';
import { allowedTypes } from '../types-option.js';
import { authedApi, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { writeJsonLine } from '../render/json.js';
import { pickRenderer } from '../render/pick.js';
import type { RunRenderer, ServerCheck } from '../render/types.js';
import { resolveConcurrency, settingsStore, UsageError } from '../settings.js';
import { summarize } from '../summary.js';
import { planText } from '../render/plan-table.js';
import { reviewStacks } from '../../core/plan/stack-review.js';
import { t } from '../i18n/index.js';
import { checkFailed, verifyOnServer } from '../server-check.js';
import { incompleteStacks } from '../stack-check.js';
import { checkQuota, withQuotaExit } from '../quota-preflight.js';

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
  offlineWait?: string;
}

/** Runs an upload; returns the exit code (SPEC "Exit codes"). Throws CliExit/UsageError for setup problems. */
export async function uploadCommand(dirs: string[], opts: UploadOptions): Promise<number> {
  const types = allowedTypes(opts.types);
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
  const offlineWaitMs = resolveOfflineWait(opts.offlineWait);
  return runPlans(plans.map((p) => ({ plan: p, orderId: opts.order })), { api, renderer, concurrency, retry, manifestFile: opts.manifest, intentRate: opts.intentRate, offlineWaitMs });
}

export interface RunPlansOptions {
  api: PiximmoApi;
  renderer: RunRenderer;
  concurrency: number;
  manifestFile?: string;
  intentRate?: string;
  retry?: RetryPolicy;
  /** SPEC v2 "Offline is a state": wait this long while the API cannot be reached, ms. */
  offlineWaitMs?: number;
}

/** Uploads planned shoots (each into its order) through one engine and one pool; returns the exit code. */
export async function runPlans(jobs: { plan: ShootPlan; orderId: string }[], o: RunPlansOptions): Promise<number> {
  const session = new UploadSession(o.api, o.renderer, o);
  try {
    const files: PlannedFile[] = [];
    for (const { plan, orderId } of jobs) {
      files.push(...session.planned(plan.items, await session.openShoot(plan.root, orderId, o.manifestFile)));
    }
    await checkQuota(o.api, files); // SPEC v2: exit 5 before the first byte when the shoot does not fit
    o.renderer.start(files);
    const result = await session.engine.run(files);
    const check: ServerCheck =
      result.fatal || result.interrupted ? { checked: false, missing: [] } : await verifyOnServer(o.api, result.outcomes);
    if (check.checked) check.incomplete_stacks = await incompleteStacks(o.api, result.outcomes);
    const skipped = jobs.flatMap(({ plan, orderId }) => plan.skipped.map((s) => ({ order_id: orderId, room_type: s.room_type ?? 'unsorted' })));
    o.renderer.finish(summarize(result, skipped), check);
    return withQuotaExit(exitCodeFor(result, result.outcomes.some((x) => x.state === 'failed') || checkFailed(check)), result.outcomes);
  } finally {
    await session.close();
  }
}

/** SPEC exit codes; the worst outcome wins: 3 (login) before 4 (order) before 130 (Ctrl-C) before 1 (failures). */
export function exitCodeFor(r: Pick<RunResult, 'fatal' | 'forbidden_orders' | 'interrupted'>, anyFailed: boolean): number {
  if (r.fatal?.code === 'UNAUTHENTICATED') return EXIT.AUTH;
  if (r.forbidden_orders.length > 0) return EXIT.ORDER_FORBIDDEN;
  if (r.interrupted) return EXIT.INTERRUPTED;
  if (r.fatal || anyFailed) return EXIT.FAILED;
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

/** `--offline-wait` / PIXIMMO_OFFLINE_WAIT as ms (SPEC v2: default 10 minutes; 0 = fail as before). */
export function resolveOfflineWait(flag?: string): number {
  const raw = flag ?? process.env.PIXIMMO_OFFLINE_WAIT;
  const ms = parseOfflineWait(raw);
  if (ms === undefined) return DEFAULT_OFFLINE_WAIT_MS;
  if (!(ms >= 0)) throw new UsageError(t('usage.offlineWait', { value: raw }));
  return ms;
}

/** Layout settings of a command: room aliases (config), `--room`, `--stack-gap` s (flag > config) as ms. */
export function layoutOptions(opts: { room?: string; stackGap?: string }): { aliases?: Record<string, string>; defaultRoom?: string; stackGapMs?: number } {
  const conf = settingsStore();
  const gapRaw = opts.stackGap ?? conf.get('stack_gap');
  const stackGapMs = gapRaw === undefined ? undefined : Number(gapRaw) * 1000;
  if (stackGapMs !== undefined && !(stackGapMs >= 0)) throw new UsageError(t('usage.stackGap', { value: gapRaw }));
  return { aliases: conf.get('room_aliases'), defaultRoom: opts.room, stackGapMs };
}

export async function planOrUsage(dir: string, opts: { room?: string; stackGap?: string }, types: readonly string[]): Promise<ShootPlan> {
  const layout = layoutOptions(opts);
  try {
    return await planShoot(dir, { types, ...layout });
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
        writeJsonLine({ event: 'plan', root: plan.root, order_id: opts.order, path: i.relPath, room_type: i.room_type, stack_id: i.stack_id, bytes: i.bytes, ev: i.meta.ev ?? null, captured_at: i.meta.captured_at ?? null, room_label: i.room_label ?? null });
      }
    }
    if (opts.json) for (const s of reviewStacks(plan.items)) writeJsonLine({ event: 'plan_stack', root: plan.root, order_id: opts.order, ...s });
    if (!opts.json) process.stdout.write(planText(plan));
  }
  if (!opts.json) process.stdout.write(`${t('plan.dry')}\n`);
}

