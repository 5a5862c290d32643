/**
 * The human end-of-run summary (plain and TTY): a table per room — files, registered, already there,
 * skipped (by the scan), failed, bytes, wall time, reasons — then each failure with what to do (issue 4
 * "Know what happened"; issue 10: wall time per room, scan skips counted, plurals right).
 */
import type { RunSummary } from '../summary.js';
import type { ServerCheck } from './types.js';
import { incompleteStacksText } from './stack-text.js';
import { explain } from '../messages.js';
import { cell, formatBytes, formatDuration } from '../format.js';
import { t } from '../i18n/index.js';
import { visible } from './visible.js';
import { filesWord } from './words.js';

export function summaryText(s: RunSummary, check: ServerCheck): string {
  const lines: string[] = [];
  const multiOrder = new Set(s.rows.map((r) => r.order_id)).size > 1;
  const head = [
    ...(multiOrder ? [cell(t('summary.order'), 12)] : []),
    cell(t('summary.room'), 14),
    cell(t('summary.files'), 8, 'right'),
    cell(t('summary.registered'), 11, 'right'),
    cell(t('summary.already'), 15, 'right'),
    cell(t('summary.skipped'), 12, 'right'),
    cell(t('summary.failed'), 12, 'right'),
    cell(t('summary.bytes'), 9, 'right'),
    cell(t('summary.time'), 8, 'right'),
    ` ${t('summary.reasons')}`,
  ].join(' ');
  // No file and nothing skipped (an empty folder): no table of nothing, the totals line says it.
  lines.push('', ...(s.rows.length > 0 ? [head, '-'.repeat(head.length)] : []));
  for (const r of s.rows) {
    const reasons = s.failures
      .filter((o) => o.file.shoot.orderId === r.order_id && o.file.room_type === r.room_type)
      .map((o) => o.failure?.code ?? '?');
    const counted = [...new Set(reasons)].map((c) => `${c}×${reasons.filter((x) => x === c).length}`).join(', ');
    lines.push(
      [
        ...(multiOrder ? [cell(r.order_id, 12)] : []),
        cell(r.room_type, 14),
        cell(String(r.files), 8, 'right'),
        cell(String(r.registered), 11, 'right'),
        cell(String(r.already), 15, 'right'),
        cell(String(r.skipped), 12, 'right'),
        cell(String(r.failed), 12, 'right'),
        cell(formatBytes(r.bytes), 9, 'right'),
        cell(formatDuration(r.duration_ms), 8, 'right'),
        counted ? ` ${counted}` : '',
      ].join(' ').trimEnd(),
    );
  }
  const tot = s.totals;
  if (s.rows.length > 0) lines.push('-'.repeat(head.length));
  lines.push(
    t('summary.totalV2', { registered: tot.registered, files: tot.files, filesWord: filesWord(tot.files), already: tot.already, skipped: tot.skipped, failed: tot.failed }) +
      (tot.pending ? t('summary.pending', { n: tot.pending }) : '') +
      t('summary.sent', { size: formatBytes(s.bytes_sent), time: formatDuration(s.duration_ms) }),
  );
  // The order's own words, so a summary read alone (stdout to a file) says why its files were not sent.
  for (const order of s.forbidden_orders) {
    const n = s.rows.reduce((sum, r) => sum + (r.order_id === order ? r.pending : 0), 0);
    lines.push(t('summary.forbidden', { order: visible(order), n, filesWord: filesWord(n) }));
  }
  if (check.checked && check.missing.length > 0) {
    lines.push(t('summary.missing', { n: check.missing.length }));
    for (const f of check.missing) lines.push(`  ${visible(f.relPath)}`);
  }
  lines.push(...incompleteStacksText(check));
  for (const x of check.infected ?? []) lines.push(t('summary.infected', { path: x.file.relPath, signature: x.signature }));
  if (check.processing?.length) lines.push(t('summary.stillProcessing', { n: check.processing.length }));
  for (const o of s.failures) {
    const ex = explain(o.failure ?? { code: 'INTERNAL', detail: '?' });
    lines.push(t('summary.failedLine', { path: visible(o.file.relPath), text: ex.text }), `       → ${ex.hint}`);
  }
  if (s.interrupted) lines.push(t('summary.interrupted'));
  return `${lines.join('\n')}\n`;
}
