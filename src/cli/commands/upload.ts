/**
 * `piximmo upload <dir…> --order ID` (SPEC "The CLI"): scan and plan each folder, then the shared run flow
 * (run-flow.ts: manifests, engine through one pool, the order's file list checked on the server, summary).
 */
import type { ShootPlan } from '../../core/plan/plan.js';
import { authedApi, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { t } from '../i18n/index.js';
import { writeJsonLine } from '../render/json.js';
import { pickRenderer } from '../render/pick.js';
import { accountOnce, layoutOptions, transferSettings } from '../run-start.js';
import { UsageError } from '../settings.js';
import { allowedTypes } from '../types-option.js';
import { tuneV8ForMemory } from '../v8-tuning.js';

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
  const settings = transferSettings(opts);
  const layout = layoutOptions(opts);
  if (opts.manifest && dirs.length > 1) throw new UsageError(t('usage.manifestOne'));
  const api = opts.dryRun ? undefined : authedApi(opts);
  // The run's account answer, asked now: its round trip overlaps loading the planner and the engine, and
  // the scan (run-start.ts).
  const me = api && accountOnce(api, true);
  if (api) tuneV8ForMemory();
  const { planOrUsage, runPlans } = await import('../run-flow.js');
  const renderer = await pickRenderer(opts);
  const plans: ShootPlan[] = [];
  try {
    for (const dir of dirs) {
      renderer.scanStart(dir);
      plans.push(await planOrUsage(dir, layout, types));
      renderer.scanDone(plans[plans.length - 1], opts.order);
    }
  } catch (err) {
    renderer.close(); // a missing folder: the scan spinner stops, the process ends (exit 2)
    await api?.close().catch(() => undefined);
    throw err;
  }
  if (opts.dryRun || !api) {
    renderer.close();
    await printPlan(plans, opts);
    return EXIT.OK;
  }
  return runPlans(
    plans.map((p) => ({ plan: p, orderId: opts.order })),
    { api, renderer, ...settings, manifestFile: opts.manifest, me },
  );
}

/** --dry-run: the plan, file → room_type, stack_id, size; nothing is sent. */
async function printPlan(plans: ShootPlan[], opts: UploadOptions): Promise<void> {
  const [{ reviewStacks }, { planText }] = await Promise.all([import('../../core/plan/stack-review.js'), import('../render/plan-table.js')]);
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

