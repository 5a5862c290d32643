/**
 * Whether the closing check the run's last confirmation batch brought back (issue 15, RunResult
 * `closing_check`) can stand in for asking the order's list and stacks again (server-check.ts, stack-check.ts).
 *
 * An order is covered when its entry is not an error, its ids fit one page (no `next_cursor`), and every file
 * of the run registered in that order (`registered` with a file_id, those of earlier runs included) is among
 * them. The server read the stacks after the ids (routes/closing-check.ts), so a covered order's stacks count
 * every frame of the run. A file confirmed after that batch, a batch that crossed it, or a page too long leaves
 * its order uncovered, and that order is asked as before — never a false "all listed".
 */
import type { ClosingCheckEntry, StackRecord } from '../contract/api.js';
import type { FileOutcome } from '../core/transfer/events.js';
import { registeredByOrder } from './server-check.js';

/** Covered orders → their stacks as the server listed them. */
export type CoveredOrders = ReadonlyMap<string, readonly StackRecord[]>;

export function coveredOrders(closing: readonly ClosingCheckEntry[] | undefined, outcomes: readonly FileOutcome[]): CoveredOrders {
  const covered = new Map<string, readonly StackRecord[]>();
  if (!closing) return covered;
  const wanted = registeredByOrder(outcomes);
  for (const entry of closing) {
    if ('error' in entry || entry.next_cursor) continue;
    const listed = new Set(entry.file_ids);
    if ((wanted.get(entry.order_id) ?? []).every((o) => listed.has(o.file_id!))) covered.set(entry.order_id, entry.stacks);
  }
  return covered;
}
