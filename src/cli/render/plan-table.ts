/**
 * `--dry-run` output: one line per file (file → room, stack, size, EV), then the grouping as a table — one
 * row per stack with its files and EV values (issue 4: "--dry-run shows the grouping as a table").
 */
import type { ShootPlan } from '../../core/plan/plan.js';
import { cell, formatBytes } from '../format.js';
import { t } from '../i18n/index.js';
import { visible } from './visible.js';

function ev(v: number | undefined): string {
  if (v === undefined) return '?';
  const s = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return v > 0 ? `+${s}` : s;
}

export function planText(plan: ShootPlan): string {
  const lines: string[] = [];
  for (const i of plan.items) {
    lines.push(`${visible(i.relPath)}  →  ${i.room_type}  ${i.stack_id}  ${formatBytes(i.bytes)}${i.meta.ev !== undefined ? `  EV ${ev(i.meta.ev)}` : ''}`);
  }
  const stacks = new Map<string, { room: string; stack: string; files: number; bytes: number; evs: string[] }>();
  for (const i of plan.items) {
    const key = `${i.room_type}\0${i.stack_id}`;
    const s = stacks.get(key) ?? { room: i.room_type, stack: i.stack_id, files: 0, bytes: 0, evs: [] };
    s.files++;
    s.bytes += i.bytes;
    s.evs.push(ev(i.meta.ev));
    stacks.set(key, s);
  }
  const head = [cell(t('summary.room'), 14), cell(t('plan.stack'), 6), cell(t('summary.files'), 8, 'right'), cell(t('summary.bytes'), 9, 'right'), ` ${t('plan.ev')}`].join(' ');
  lines.push('', head, '-'.repeat(Math.max(head.length, 48)));
  const rows = [...stacks.values()].sort((a, b) => a.room.localeCompare(b.room) || a.stack.localeCompare(b.stack));
  for (const s of rows) {
    lines.push([cell(s.room, 14), cell(s.stack, 6), cell(String(s.files), 8, 'right'), cell(formatBytes(s.bytes), 9, 'right'), ` ${s.evs.join(' ')}`].join(' '));
  }
  lines.push(t('plan.totals', { stacks: rows.length, files: plan.items.length }));
  return `${lines.join('\n')}\n`;
}
