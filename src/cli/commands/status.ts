/**
 * `piximmo status <dir> --order ID [--manifest FILE] [--json]` (SPEC "The CLI": "what the manifest says:
 * registered / pending / failed"). Reads the manifest of (realpath(dir), order) — or `--manifest FILE` —
 * without taking its lock (an upload may be running) and without any network call.
 *
 * Output: per room the number of files registered / pending / failed and their bytes, then each failed
 * file with its last error code. "pending" is every entry not registered and not failed (the manifest
 * states `pending` and `uploaded`: hashed, maybe sent, not yet registered). Files never started have no
 * entry in the manifest and are not counted: status shows what was recorded, not what is on disk.
 *
 * With --json: one `{"v":1,"event":"status_room",…}` line per room (sorted by room), then one `status`
 * line with the totals; codes, never sentences.
 *
 * Exit codes (SPEC "Exit codes"): 0 also when files failed or no manifest exists (status reports, it
 * does not judge); 2 when the folder does not exist and there is no manifest for it, or the manifest
 * belongs to another order; 1 when the manifest exists but cannot be read.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ManifestStore, manifestPathFor, type ManifestData, type ManifestEntry } from '../../core/transfer/manifest.js';
import type { GlobalOptions } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { cell, formatBytes } from '../format.js';
import { t } from '../i18n/index.js';
import { explain } from '../messages.js';
import { writeJsonLine } from '../render/json.js';
import { UsageError } from '../settings.js';
import { visible } from '../render/visible.js';

export interface StatusOptions extends GlobalOptions {
  order: string;
  manifest?: string;
}

/** One failed file: manifest path (relative to the shoot root) and its last error. */
export interface StatusFailure {
  path: string;
  code: string;
  detail: string;
}

/** Counts of one room; `bytes` is the sum of the sizes (bytes) of all its entries. */
export interface StatusRoom {
  room_type: string;
  files: number;
  registered: number;
  pending: number;
  failed: number;
  bytes: number;
  failures: StatusFailure[];
}

/** Groups manifest entries by room, rooms sorted by name, failures by path. Pure. */
export function summarizeManifest(data: ManifestData): StatusRoom[] {
  const rooms = new Map<string, StatusRoom>();
  for (const [relPath, e] of Object.entries(data.files)) {
    const room = e.room_type || 'unsorted';
    let r = rooms.get(room);
    if (!r) rooms.set(room, (r = { room_type: room, files: 0, registered: 0, pending: 0, failed: 0, bytes: 0, failures: [] }));
    r.files++;
    r.bytes += e.bytes;
    if (e.state === 'registered') r.registered++;
    else if (e.state === 'failed') {
      r.failed++;
      r.failures.push({ path: relPath, code: e.last_error?.code ?? 'UNKNOWN', detail: e.last_error?.message ?? '' });
    } else r.pending++;
  }
  const out = [...rooms.values()].sort((a, b) => (a.room_type < b.room_type ? -1 : a.room_type > b.room_type ? 1 : 0));
  for (const r of out) r.failures.sort((a, b) => (a.path < b.path ? -1 : 1));
  return out;
}

/** The shoot folder's real path; a folder that is gone (card pulled) keeps its absolute path, `exists` false. */
async function rootOf(dir: string): Promise<{ root: string; exists: boolean }> {
  try {
    return { root: await fs.realpath(path.resolve(dir)), exists: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { root: path.resolve(dir), exists: false };
    throw err;
  }
}

/** Runs `status`; returns the exit code. Throws UsageError (exit 2) / CliExit as described above. */
export async function statusCommand(dir: string, opts: StatusOptions): Promise<number> {
  const { root, exists } = await rootOf(dir);
  const file = opts.manifest ? path.resolve(opts.manifest) : manifestPathFor(root, opts.order);
  let data: ManifestData | null;
  try {
    data = await ManifestStore.read(file);
  } catch (err) {
    throw new CliExit(EXIT.FAILED, t('status.unreadable', { file, detail: (err as Error).message }), 'MANIFEST_UNREADABLE');
  }
  if (!data) {
    if (!exists) throw new UsageError(t('usage.noFolder', { dir }));
    if (opts.json) writeJsonLine({ event: 'status', root, order_id: opts.order, manifest: file, found: false, files: 0, registered: 0, pending: 0, failed: 0, bytes: 0 });
    else process.stdout.write(`${t('status.none', { root, order: opts.order, file })}\n`);
    return EXIT.OK;
  }
  if (data.order_id && data.order_id !== opts.order) {
    throw new UsageError(t('status.orderMismatch', { file, actual: data.order_id, order: opts.order }));
  }
  const rooms = summarizeManifest(data);
  const totals = rooms.reduce(
    (s, r) => ({ files: s.files + r.files, registered: s.registered + r.registered, pending: s.pending + r.pending, failed: s.failed + r.failed, bytes: s.bytes + r.bytes }),
    { files: 0, registered: 0, pending: 0, failed: 0, bytes: 0 },
  );
  const updated = lastChange(data);
  if (opts.json) {
    for (const r of rooms) writeJsonLine({ event: 'status_room', order_id: opts.order, ...r });
    writeJsonLine({ event: 'status', root: data.root || root, order_id: opts.order, manifest: file, found: true, ...totals, updated_at: updated ?? null });
  } else {
    process.stdout.write(renderText(data.root || root, opts.order, file, updated, rooms, totals));
  }
  return EXIT.OK;
}

function lastChange(data: ManifestData): string | undefined {
  let last: string | undefined;
  for (const e of Object.values(data.files) as ManifestEntry[]) if (e.updated_at && (!last || e.updated_at > last)) last = e.updated_at;
  return last ?? data.created_at;
}

/** ISO 8601 instant → local "YYYY-MM-DD HH:MM:SS" (unambiguous in either language). */
function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

type Totals = Omit<StatusRoom, 'room_type' | 'failures'>;

/** The human table: header, one row per room, totals, then the failed files with code, detail and hint. */
function renderText(root: string, order: string, file: string, updated: string | undefined, rooms: StatusRoom[], totals: Totals): string {
  const lines: string[] = [t('status.header', { order, root }), t('status.manifest', { file, when: updated ? localTime(updated) : '?' }), ''];
  const row = (room: string, reg: string, pend: string, fail: string, bytes: string): string =>
    `${cell(room, 16)} ${cell(reg, 12, 'right')} ${cell(pend, 12, 'right')} ${cell(fail, 12, 'right')} ${cell(bytes, 10, 'right')}`.trimEnd();
  lines.push(row(t('summary.room'), t('summary.registered'), t('status.pending'), t('summary.failed'), t('summary.bytes')));
  for (const r of rooms) lines.push(row(r.room_type, String(r.registered), String(r.pending), String(r.failed), formatBytes(r.bytes)));
  lines.push('', t('status.total', { registered: totals.registered, files: totals.files, pending: totals.pending, failed: totals.failed, size: formatBytes(totals.bytes) }));
  const failures = rooms.flatMap((r) => r.failures);
  if (failures.length > 0) {
    lines.push('', t('status.failedHead'));
    for (const f of failures) {
      lines.push(`  ${t('status.failedLine', { path: visible(f.path), code: f.code, detail: visible(f.detail) })}`);
      const hint = explain({ code: f.code, detail: f.detail }).hint;
      if (hint) lines.push(`    ${hint}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
