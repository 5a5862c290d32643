/**
 * `--dry-run` output: one line per file (file → room, stack, size, EV), then one row per stack — room, room
 * folder, stack, frames, cameras, EV pattern (issue 4: "the grouping as a table"; issue 10: per stack room
 * label, frames, cameras, EV pattern) — then the stacks to check (mixed cameras, a long span, a repeated EV).
 */
import type { ShootPlan } from '../../core/plan/plan.js';
import { reviewStacks, SPAN_LIMIT_MS, type StackReview } from '../../core/plan/stack-review.js';
import { cell, formatBytes, formatDuration } from '../format.js';
import { t } from '../i18n/index.js';
import { visible } from './visible.js';

export function ev(v: number | null | undefined): string {
  if (v === undefined || v === null) return '?';
  const s = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return v > 0 ? `+${s}` : s;
}

/** The human warnings of one stack (both languages). */
export function stackWarningLines(s: StackReview): string[] {
  const base = { room: s.room_type, stack: s.stack_id, label: s.room_label ?? s.room_type };
  return s.warnings.map((w) => {
    if (w === 'MIXED_CAMERAS') return t('plan.warn.cameras', { ...base, n: s.cameras.length, cameras: s.cameras.join(', ') });
    if (w === 'LONG_SPAN') return t('plan.warn.span', { ...base, span: formatDuration(s.span_ms ?? 0), limit: formatDuration(SPAN_LIMIT_MS) });
    return t('plan.warn.evRepeat', { ...base, ev: s.repeated_ev.map(ev).join(', '), pattern: s.ev.map(ev).join(' ') });
  });
}

export function planText(plan: ShootPlan): string {
  const lines: string[] = [];
  for (const i of plan.items) {
    lines.push(`${visible(i.relPath)}  →  ${i.room_type}  ${i.stack_id}  ${formatBytes(i.bytes)}${i.meta.ev !== undefined ? `  EV ${ev(i.meta.ev)}` : ''}`);
  }
  const rows = reviewStacks(plan.items);
  const head = [
    cell(t('summary.room'), 14),
    cell(t('plan.label'), 18),
    cell(t('plan.stack'), 6),
    cell(t('plan.frames'), 7, 'right'),
    cell(t('summary.bytes'), 9, 'right'),
    cell(t('plan.cameras'), 30),
    ` ${t('plan.ev')}`,
  ].join(' ');
  lines.push('', head, '-'.repeat(Math.max(head.length, 48)));
  for (const s of rows) {
    lines.push(
      [
        cell(s.room_type, 14),
        cell(s.room_label ?? '', 18),
        cell(s.stack_id, 6),
        cell(String(s.files), 7, 'right'),
        cell(formatBytes(s.bytes), 9, 'right'),
        cell(s.cameras.join(', ') || '?', 30),
        ` ${s.ev.map(ev).join(' ')}${s.warnings.length ? '  (!)' : ''}`,
      ].join(' '),
    );
  }
  lines.push(t('plan.totals', { stacks: rows.length, files: plan.items.length }));
  const warned = rows.filter((s) => s.warnings.length > 0);
  if (warned.length > 0) {
    lines.push('', t('plan.warnings', { n: warned.length }));
    for (const s of warned) for (const w of stackWarningLines(s)) lines.push(`  ${w}`);
  }
  return `${lines.join('\n')}\n`;
}
