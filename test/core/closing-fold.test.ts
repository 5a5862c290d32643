/**
 * src/cli/closing-fold.ts (issue 15): an order is taken as checked from the run's last confirmation batch only
 * when every file of the run registered in it is among the ids and the ids fit one page; otherwise the closing
 * check asks the server as before.
 */
import { describe, expect, it } from 'vitest';
import { coveredOrders } from '../../src/cli/closing-fold.js';
import type { ClosingCheckEntry, StackRecord } from '../../src/contract/api.js';
import type { FileOutcome, PlannedFile } from '../../src/core/transfer/events.js';

const outcome = (order: string, file_id: string | undefined, state: FileOutcome['state'] = 'registered'): FileOutcome =>
  ({ file: { shoot: { orderId: order } } as PlannedFile, state, file_id, duration_ms: 0 }) as FileOutcome;
const stack: StackRecord = { room_type: 'kitchen', room_label: 'Küche', stack_id: 'g001', frames_declared: 3, frames_registered: 3, ev: [-2, 0, 2], complete: true };
const entry = (order_id: string, file_ids: string[], next_cursor: string | null = null): ClosingCheckEntry => ({ order_id, file_ids, next_cursor, stacks: [stack] });

describe('coveredOrders', () => {
  const run = [outcome('A', 'f1'), outcome('A', 'f2'), outcome('B', 'f3'), outcome('A', undefined, 'failed'), outcome('B', undefined, 'waiting')];

  it('every registered file of the order among the ids, one page → covered, with its stacks', () => {
    const c = coveredOrders([entry('A', ['f0', 'f1', 'f2']), entry('B', ['f3'])], run);
    expect([...c.keys()]).toEqual(['A', 'B']);
    expect(c.get('A')).toEqual([stack]);
  });

  it('a registered file missing from the ids (confirmed after that batch, or a batch that crossed it) → not covered', () => {
    expect([...coveredOrders([entry('A', ['f1']), entry('B', ['f3'])], run).keys()]).toEqual(['B']);
  });

  it('more pages (next_cursor) or an error entry → not covered; no closing check → nothing covered', () => {
    expect(coveredOrders([entry('A', ['f1', 'f2'], 'cursor-2')], run).size).toBe(0);
    expect(coveredOrders([{ order_id: 'A', error: { code: 'ORDER_FORBIDDEN', message: 'no' } }], run).size).toBe(0);
    expect(coveredOrders(undefined, run).size).toBe(0);
  });
});
