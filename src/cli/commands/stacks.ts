/**
 * `piximmo stacks --order ID` — the order's stack receipt (SPEC v2 GET /api/orders/:id/stacks): one row per
 * stack with room, room folder, stack id, frames registered of declared, EV values and whether it is
 * complete; then the totals. `--json`: one `stack` event per stack (the server's fields and `order_id`).
 * Exit 0; 3 / 4 as every command for login and order problems.
 */
import type { StackRecord } from '../../contract/api.js';
import { authedApi, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { cell } from '../format.js';
import { t } from '../i18n/index.js';
import { writeJsonLine } from '../render/json.js';

function ev(v: number): string {
  const s = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return v > 0 ? `+${s}` : s;
}

/** The human table of `stacks` (exported for tests). */
export function stacksText(orderId: string, stacks: StackRecord[]): string {
  if (stacks.length === 0) return `${t('stacks.none', { order: orderId })}\n`;
  const head = [cell(t('summary.room'), 14), cell(t('plan.label'), 18), cell(t('plan.stack'), 6), cell(t('plan.frames'), 7, 'right'), cell('', 14), ` ${t('plan.ev')}`].join(' ');
  const lines = [t('stacks.title', { order: orderId }), head, '-'.repeat(head.length)];
  for (const s of stacks) {
    lines.push(
      [
        cell(s.room_type, 14),
        cell(s.room_label ?? '', 18),
        cell(s.stack_id, 6),
        cell(`${s.frames_registered}/${s.frames_declared}`, 7, 'right'),
        cell(t(s.complete ? 'stacks.complete' : 'stacks.incomplete'), 14),
        ` ${s.ev.map(ev).join(' ')}`,
      ].join(' ').trimEnd(),
    );
  }
  lines.push(t('stacks.totals', { stacks: stacks.length, incomplete: stacks.filter((s) => !s.complete).length }));
  return `${lines.join('\n')}\n`;
}

export async function stacksCommand(opts: GlobalOptions & { order: string }): Promise<number> {
  const api = authedApi(opts);
  try {
    const { stacks } = await api.listStacks(opts.order);
    if (opts.json) {
      for (const s of stacks) writeJsonLine({ event: 'stack', order_id: opts.order, ...s });
      return EXIT.OK;
    }
    process.stdout.write(stacksText(opts.order, stacks));
    return EXIT.OK;
  } finally {
    await api.close();
  }
}
