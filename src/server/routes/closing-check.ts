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
import { type FileIdRow, fileIdPageOf, fileIdPageStatement, MAX_PAGE } from '../db/file-list.js';
import { type OrderRow, ownedOrderStatement } from '../db/users.js';
import { type StackFrameRow, type StackRow, stackRecordsOf, stackStatements } from '../db/stacks.js';
import { errorBody, orderForbidden } from '../lib/errors.js';

/** Statements per order in the batch: the order, its ids, its stack rows, its files' stacks. */
const PER_ORDER = 4;

/**
 * One entry per order id, in the order asked (at most MAX_CLOSING_ORDERS: the request schema's bound).
 * Every order's reads go to D1 as one batch: one round trip instead of four an order (a round trip to the
 * database is on the run's last answer, issue 15), and one transaction, so the ids and the stacks are the
 * same moment's. A foreign order's rows are read with the others and dropped unread (its statements are
 * bound to its id; nothing of it leaves here but ORDER_FORBIDDEN).
 */
export async function closingCheck(db: D1Database, userId: string, orderIds: readonly string[]): Promise<ClosingCheckEntry[]> {
  if (orderIds.length === 0) return [];
  const results = await db.batch<unknown>(
    orderIds.flatMap((orderId) => [
      ownedOrderStatement(db, orderId, userId),
      fileIdPageStatement(db, { orderId, limit: MAX_PAGE }),
      ...stackStatements(db, orderId),
    ]),
  );
  return orderIds.map((orderId, n): ClosingCheckEntry => {
    const [order, ids, stacks, frames] = results.slice(n * PER_ORDER, (n + 1) * PER_ORDER);
    if ((order as D1Result<OrderRow>).results.length === 0) return { order_id: orderId, ...errorBody(orderForbidden(orderId)) };
    const page = fileIdPageOf(ids as D1Result<FileIdRow>, MAX_PAGE);
    return {
      order_id: orderId,
      file_ids: page.fileIds,
      next_cursor: page.nextCursor,
      stacks: stackRecordsOf(stacks as D1Result<StackRow>, frames as D1Result<StackFrameRow>),
    };
  });
}
