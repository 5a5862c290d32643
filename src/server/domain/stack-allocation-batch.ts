/**
 * domain/stack-allocation.ts for a whole batch of intents at once (issue 15 "Server cost per file"): the
 * same three rules — a known stack_key gets its stack_id again (its declared frames / room label touched
 * when they changed); else the client's proposal when no other key holds it; else the next free gNNN —
 * decided in memory, in list order, from the stack rows of the batch's rooms (read by the caller in its
 * first D1 batch: db/stacks.ts `stacksOfRoomsStatements`). `planStackIds` returns the ids and the writes
 * (touches and inserts in list order) for the caller to run in ITS next D1 batch, before the statements
 * that use the ids; `settleStackIds` then reads that batch's results. Race-safe as the single rule: every
 * insert is ON CONFLICT DO NOTHING (db/stacks.ts); a claim whose insert lost a race to another request is
 * allocated again the single way (allocateStackId), which looks again, and the later claims of its key follow it.
 */
import { insertStackStatement, touchStackStatement, type StackRow } from '../db/stacks.js';
import { allocateStackId, nextFreeStackId, type StackClaim } from './stack-allocation.js';

/** The planned allocation of a batch's claims. */
export interface StackPlan {
  /** Per claim, in order: its stack_id (provisional for a new stack until settled). */
  ids: string[];
  /** Touches and inserts, in list order: to run in one D1 batch. */
  statements: D1PreparedStatement[];
  /** Per claim: the index of its insert in `statements`, or -1 (a known stack). */
  insertAt: number[];
}

/** Decides every claim's stack_id from `rows` (the stacks of the claims' rooms); writes nothing. */
export function planStackIds(db: D1Database, orderId: string, claims: readonly StackClaim[], rows: readonly StackRow[], now: Date): StackPlan {
  const byKey = new Map<string, StackRow>();
  const taken = new Map<string, Set<string>>();
  const idsOf = (room: string): Set<string> => {
    let s = taken.get(room);
    if (!s) taken.set(room, (s = new Set()));
    return s;
  };
  for (const r of rows) {
    if (r.stack_key !== null) byKey.set(`${r.room_type}\0${r.stack_key}`, r);
    idsOf(r.room_type).add(r.stack_id);
  }
  const plan: StackPlan = { ids: [], statements: [], insertAt: [] };
  for (const c of claims) {
    const k = `${c.roomType}\0${c.stackKey}`;
    const known = byKey.get(k);
    if (known) {
      if (known.frames_declared !== c.framesDeclared || (c.roomLabel && known.room_label !== c.roomLabel)) {
        const touched = { ...known, frames_declared: c.framesDeclared ?? known.frames_declared, room_label: c.roomLabel ?? known.room_label };
        plan.statements.push(touchStackStatement(db, { ...known, frames_declared: c.framesDeclared, room_label: c.roomLabel }));
        byKey.set(k, touched);
      }
      plan.insertAt.push(-1);
      plan.ids.push(known.stack_id);
      continue;
    }
    const ids = idsOf(c.roomType);
    const id = c.proposed && !ids.has(c.proposed) ? c.proposed : nextFreeStackId([...ids]);
    const row: StackRow = {
      order_id: orderId,
      room_type: c.roomType,
      stack_id: id,
      stack_key: c.stackKey,
      room_label: c.roomLabel,
      frames_declared: c.framesDeclared,
      created_at: now.toISOString(),
    };
    plan.insertAt.push(plan.statements.length);
    plan.statements.push(insertStackStatement(db, row));
    byKey.set(k, row);
    ids.add(id);
    plan.ids.push(id);
  }
  return plan;
}

/**
 * The final stack_id of every claim: the planned one, or — for a claim whose insert changed nothing (it lost
 * a race to another request) — one allocated again the single way. `results`: the results of `plan.statements`.
 * Throws what D1 throws.
 */
export async function settleStackIds(db: D1Database, claims: readonly StackClaim[], plan: StackPlan, results: readonly D1Result[], now: Date): Promise<string[]> {
  const out = [...plan.ids];
  // A later claim of the same key was planned onto the lost insert's id: it follows the new allocation.
  const again = new Map<string, string>();
  for (const [i, at] of plan.insertAt.entries()) {
    const k = `${claims[i].roomType}\0${claims[i].stackKey}`;
    if (at >= 0 && results[at].meta.changes !== 1) again.set(k, await allocateStackId(db, claims[i], now));
    out[i] = again.get(k) ?? out[i];
  }
  return out;
}
