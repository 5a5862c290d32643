/**
 * The closing check a finalize batch may carry (issue 15, far link: a run's last confirmation brings back what
 * its closing check would otherwise ask for in two more requests, one round trip after it). For each order
 * named in the batch's `closing_check`: the ids of its listed files — the first page of
 * GET /api/orders/:id/files?fields=file_id — and then its stacks, as GET /api/orders/:id/stacks answers them,
 * or ORDER_FORBIDDEN for a foreign or unknown order (the same checks as those routes).
 *
 * Read after the batch's rows are written, ids before stacks: a client that finds every file of its run among
 * the ids knows the stacks were read with all of them registered (routes/finalize-batch.ts).
 */
import type { ClosingCheckEntry } from '../../contract/api.js';
import { listFilePage, MAX_PAGE } from '../db/file-list.js';
import { listStacks } from '../db/stacks.js';
import { findOwnedOrder } from '../db/users.js';
import { errorBody, orderForbidden } from '../lib/errors.js';

/** One entry per order id, in the order asked (at most MAX_CLOSING_ORDERS: the request schema's bound). */
export async function closingCheck(db: D1Database, userId: string, orderIds: readonly string[]): Promise<ClosingCheckEntry[]> {
  const out: ClosingCheckEntry[] = [];
  for (const orderId of orderIds) {
    const order = await findOwnedOrder(db, orderId, userId);
    if (!order) {
      out.push({ order_id: orderId, ...errorBody(orderForbidden(orderId)) });
      continue;
    }
    const page = await listFilePage(db, { orderId: order.id, limit: MAX_PAGE });
    const stacks = await listStacks(db, order.id);
    out.push({ order_id: orderId, file_ids: page.records.map((r) => r.file_id), next_cursor: page.nextCursor, stacks });
  }
  return out;
}
