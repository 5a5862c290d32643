/**
 * The closing check's stack half (SPEC v2 "CLI rules": "the closing check lists incomplete stacks"): after
 * a run, GET /api/orders/:id/stacks for each order and report the stacks this run sent frames to (or found
 * registered) that hold fewer frames than their stack declared — "kitchen g003: 4 of 5 frames".
 * A server without the route (404) or any error: nothing is reported (the file check still runs). An order
 * the run's last confirmation batch covered (closing-fold.ts, issue 15) is judged by the stacks it brought.
 */
import type { PiximmoApi } from '../api/client.js';
import type { FileOutcome } from '../core/transfer/events.js';
import type { CoveredOrders } from './closing-fold.js';
import type { IncompleteStack } from './render/types.js';

export async function incompleteStacks(api: Pick<PiximmoApi, 'listStacks'>, outcomes: FileOutcome[], covered?: CoveredOrders): Promise<IncompleteStack[]> {
  const touched = new Map<string, Set<string>>();
  for (const o of outcomes) {
    if (!o.file.stack_key) continue;
    const order = o.file.shoot.orderId;
    (touched.get(order) ?? touched.set(order, new Set()).get(order)!).add(`${o.file.room_type}\0${o.file.stack_id}`);
  }
  const out: IncompleteStack[] = [];
  for (const [orderId, stacks] of touched) {
    try {
      const list = covered?.get(orderId) ?? (await api.listStacks(orderId)).stacks;
      for (const s of list) {
        if (s.complete || !stacks.has(`${s.room_type}\0${s.stack_id}`)) continue;
        out.push({ order_id: orderId, room_type: s.room_type, room_label: s.room_label, stack_id: s.stack_id, frames_registered: s.frames_registered, frames_declared: s.frames_declared });
      }
    } catch {
      // older server or no answer: the stack check is left out
    }
  }
  return out;
}
