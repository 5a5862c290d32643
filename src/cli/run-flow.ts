/**
 * The run flow every uploading command shares (issue 9 "CLI plumbing"): settings → plans → engine →
 * closing check → summary → exit code. `upload` and `batch` call `runPlans`; `watch` plans as files
 * arrive and uses `exitCodeFor` from here. The settings and the account request come first (run-start.ts).
 * A new command that uploads needs only its own file (commands/<name>.ts), its line in main.ts and its messages.
 */
import type { PiximmoApi } from '../api/client.js';
import type { MeResponse } from '../contract/api.js';
import { planShoot, type ShootPlan } from '../core/plan/plan.js';
import type { PlannedFile, RunResult } from '../core/transfer/events.js';
import { EXIT } from './exit-codes.js';
import { t } from './i18n/index.js';
import { checkQuota, withQuotaExit } from './quota-preflight.js';
import type { RunRenderer, ServerCheck } from './render/types.js';
import { coveredOrders } from './closing-fold.js';
import { checkFailed, verifyOnServer } from './server-check.js';
import { UploadSession } from './session.js';
import { UsageError } from './settings.js';
import { accountOnce, type LayoutSettings, type TransferSettings } from './run-start.js';
import { tuneV8ForRun } from './v8-tuning.js';
import { incompleteStacks } from './stack-check.js';
import { summarize } from './summary.js';

/** Plans one shoot folder; a missing folder or a file in its place is a UsageError (exit 2). */
export async function planOrUsage(dir: string, layout: LayoutSettings, types: readonly string[]): Promise<ShootPlan> {
  try {
    return await planShoot(dir, { types, ...layout });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(t('usage.noFolder', { dir }));
    if (code === 'ENOTDIR') throw new UsageError(t('usage.notFolder', { dir }));
    throw err;
  }
}

export interface RunPlansOptions extends TransferSettings {
  api: PiximmoApi;
  renderer: RunRenderer;
  /** `--manifest FILE` (one shoot only). */
  manifestFile?: string;
  /** The run's GET /api/me ({@link accountOnce}), started before planning; default: asked when needed. */
  me?: () => Promise<MeResponse>;
}

/**
 * Uploads planned shoots (each into its order) through one engine and one pool: manifests opened, quota
 * checked (SPEC v2: exit 5 before the first byte), engine run, the order's list checked on the server,
 * summary rendered. Returns the exit code (SPEC "Exit codes").
 */
export async function runPlans(jobs: readonly { plan: ShootPlan; orderId: string }[], o: RunPlansOptions): Promise<number> {
  const session = new UploadSession(o.api, o.renderer, { ...o, closingCheck: true });
  const me = o.me ?? accountOnce(o.api);
  try {
    const files: PlannedFile[] = [];
    for (const { plan, orderId } of jobs) {
      files.push(...session.planned(plan.items, await session.openShoot(plan.root, orderId, o.manifestFile)));
    }
    // Issue 15, far link: the files' checksums are worked out while the account answer is on its way; nothing
    // is sent before the quota pre-flight has passed (SPEC v2: exit 5 before the first byte).
    session.engine.prepareEarly(files);
    const account = await checkQuota({ me }, files).catch((err: unknown) => {
      session.engine.abandonEarly();
      throw err;
    });
    // The account answer has just been read; its connection goes back to the pool on one of undici's next
    // ticks. A first intent sent before that would open a new connection — one more round trip on a far link
    // (4G traces: the first intent 0.49 s instead of 0.29 s once the files were hashed before the answer).
    await new Promise<void>((resolve) => setImmediate(resolve));
    session.warmUploads(files, account?.storage_origin);
    tuneV8ForRun(files.length, files.reduce((sum, f) => sum + f.bytes, 0));
    o.renderer.start(files);
    const result = await session.engine.run(files);
    const check = result.fatal || result.interrupted ? { checked: false, missing: [] } : await closingCheck(o.api, me, result);
    const skipped = jobs.flatMap(({ plan, orderId }) => plan.skipped.map((s) => ({ order_id: orderId, room_type: s.room_type ?? 'unsorted' })));
    o.renderer.finish(summarize(result, skipped), check);
    return withQuotaExit(exitCodeFor(result, result.outcomes.some((x) => x.state === 'failed') || checkFailed(check)), result.outcomes);
  } finally {
    await session.close();
  }
}

/**
 * The order's list and the touched stacks, asked at the same time (one round trip less at the end of a run) —
 * or not asked at all for the orders the run's last confirmation batch already answered for (issue 15).
 */
async function closingCheck(api: PiximmoApi, me: () => Promise<MeResponse>, result: RunResult): Promise<ServerCheck> {
  const covered = coveredOrders(result.closing_check, result.outcomes);
  const [check, stacks] = await Promise.all([verifyOnServer(api, result.outcomes, { me, covered }), incompleteStacks(api, result.outcomes, covered)]);
  return check.checked ? { ...check, incomplete_stacks: stacks } : check;
}

/** SPEC exit codes; the worst outcome wins: 3 (login) before 4 (order) before 130 (Ctrl-C) before 1 (failures). */
export function exitCodeFor(r: Pick<RunResult, 'fatal' | 'forbidden_orders' | 'interrupted'>, anyFailed: boolean): number {
  if (r.fatal?.code === 'UNAUTHENTICATED') return EXIT.AUTH;
  if (r.forbidden_orders.length > 0) return EXIT.ORDER_FORBIDDEN;
  if (r.interrupted) return EXIT.INTERRUPTED;
  if (r.fatal || anyFailed) return EXIT.FAILED;
  return EXIT.OK;
}

