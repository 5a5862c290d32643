/**
 * `piximmo batch <file>` (issue 4 "Scripted batch imports"): a list of (folder, order) pairs — CSV with
 * the header row `folder,order`, or JSON `[{"folder", "order"}]` — uploaded with one shared pool, one
 * progress view and one summary. Folders are relative to the batch file's folder. The exit code covers
 * the whole batch: the worst outcome wins (3 before 4 before 1); a missing folder is exit 2 before anything is
 * sent, as in `upload`. Re-running a batch sends nothing twice.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ShootPlan } from '../../core/plan/plan.js';
import { authedApi } from '../context.js';
import { t } from '../i18n/index.js';
import { pickRenderer } from '../render/pick.js';
import { accountOnce, layoutOptions, transferSettings } from '../run-start.js';
import { UsageError } from '../settings.js';
import { allowedTypes } from '../types-option.js';
import type { UploadOptions } from './upload.js';
import { tuneV8ForMemory } from '../v8-tuning.js';

export interface BatchJob {
  /** Absolute folder path. */
  folder: string;
  order: string;
}

/**
 * Reads a batch file. CSV needs the header `folder,order` (more columns are ignored), separated by `,` or —
 * as German Excel writes it — `;` (or a tab), with or without a byte order mark and CRLF line ends; JSON is
 * an array of `{folder, order}`. Throws UsageError naming the line/entry that is wrong.
 */
export async function readBatchFile(file: string): Promise<BatchJob[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new UsageError(t('batch.noFile', { file }));
  }
  const base = path.dirname(path.resolve(file));
  let rows: unknown[];
  if (/^\s*\[/.test(text)) {
    try {
      rows = JSON.parse(text) as unknown[];
    } catch (err) {
      throw new UsageError(t('batch.badJson', { file, detail: (err as Error).message }));
    }
    if (!Array.isArray(rows)) throw new UsageError(t('batch.badJson', { file, detail: 'not an array' }));
  } else {
    try {
      rows = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, delimiter: csvDelimiter(text) });
    } catch (err) {
      throw new UsageError(t('batch.badCsv', { file, detail: (err as Error).message }));
    }
  }
  return rows.map((r, i) => {
    const row = (r ?? {}) as { folder?: unknown; order?: unknown };
    if (typeof row.folder !== 'string' || !row.folder || typeof row.order !== 'string' || !row.order) {
      throw new UsageError(t('batch.badRow', { file, n: i + 1 }));
    }
    return { folder: path.resolve(base, row.folder), order: row.order };
  });
}

/**
 * The CSV separator, from the header row: the one of `,`, `;` and tab it has most of (German Excel writes
 * "folder;order" because the comma is the decimal separator there); `,` when it has none.
 */
export function csvDelimiter(text: string): string {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const count = (ch: string) => header.split(ch).length - 1;
  const best = [',', ';', '\t'].map((d) => [d, count(d)] as const).sort((a, b) => b[1] - a[1])[0];
  return best[1] > 0 ? best[0] : ',';
}

/** Runs a batch; returns the exit code (the shared run flow, run-flow.ts, with one pool for every pair). */
export async function batchCommand(file: string, opts: Omit<UploadOptions, 'order'>): Promise<number> {
  const jobs = await readBatchFile(file);
  if (jobs.length === 0) throw new UsageError(t('batch.empty', { file }));
  const types = allowedTypes(opts.types);
  const settings = transferSettings(opts);
  const layout = layoutOptions(opts);
  const renderer = await pickRenderer(opts);
  const api = authedApi(opts);
  const me = accountOnce(api, true); // asked now: its round trip overlaps loading the planner and the scans
  tuneV8ForMemory();
  const { planOrUsage, runPlans } = await import('../run-flow.js');
  // Every folder is planned before anything is sent: a missing one is a usage error (exit 2) like in
  // `upload`, naming every missing folder, and nothing of the batch is uploaded (issue 10).
  const plans: { plan: ShootPlan; orderId: string }[] = [];
  const missing: string[] = [];
  try {
    for (const job of jobs) {
      renderer.scanStart(job.folder);
      try {
        const plan = await planOrUsage(job.folder, layout, types);
        renderer.scanDone(plan, job.order);
        plans.push({ plan, orderId: job.order });
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        missing.push(err.message);
      }
    }
    if (missing.length > 0) throw new UsageError(missing.join('\n'));
  } catch (err) {
    renderer.close();
    await api.close().catch(() => undefined);
    throw err;
  }
  return runPlans(plans, { api, renderer, ...settings, me });
}
