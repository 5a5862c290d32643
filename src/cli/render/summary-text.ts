/** The human end-of-run summary (plain and TTY): a table per room, then each failure with what to do. */
import type { RunSummary } from '../summary.js';
import type { ServerCheck } from './types.js';
import { explain } from '../messages.js';
import { cell, formatBytes, formatDuration } from '../format.js';

export function summaryText(s: RunSummary, check: ServerCheck): string {
  const lines: string[] = [];
  const multiOrder = new Set(s.rows.map((r) => r.order_id)).size > 1;
  const head = [
    ...(multiOrder ? [cell('order', 12)] : []),
    cell('room', 16),
    cell('files', 6, 'right'),
    cell('registered', 11, 'right'),
    cell('skipped', 8, 'right'),
    cell('failed', 7, 'right'),
    cell('bytes', 10, 'right'),
  ].join(' ');
  lines.push('', head, '-'.repeat(head.length));
  for (const r of s.rows) {
    lines.push(
      [
        ...(multiOrder ? [cell(r.order_id, 12)] : []),
        cell(r.room_type, 16),
        cell(String(r.files), 6, 'right'),
        cell(String(r.registered), 11, 'right'),
        cell(String(r.skipped), 8, 'right'),
        cell(String(r.failed), 7, 'right'),
        cell(formatBytes(r.bytes), 10, 'right'),
      ].join(' '),
    );
  }
  const t = s.totals;
  lines.push('-'.repeat(head.length));
  lines.push(
    `${t.registered} of ${t.files} files registered (${t.skipped} already there), ${t.failed} failed` +
      (t.pending ? `, ${t.pending} not started` : '') +
      ` — ${formatBytes(s.bytes_sent)} sent in ${formatDuration(s.duration_ms)}`,
  );
  if (check.checked && check.missing.length > 0) {
    lines.push(`WARNING: ${check.missing.length} registered file(s) are not in the order's list on the server:`);
    for (const f of check.missing) lines.push(`  ${f.relPath}`);
  }
  for (const o of s.failures) {
    const ex = explain(o.failure ?? { code: 'INTERNAL', detail: 'unknown' });
    lines.push(`FAILED ${o.file.relPath}: ${ex.text}`, `       → ${ex.hint}`);
  }
  if (s.interrupted) lines.push('Interrupted: the state is saved; run the same command again to continue.');
  return `${lines.join('\n')}\n`;
}
