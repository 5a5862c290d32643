/**
 * domain/stack-allocation.ts for a whole batch of intents at once (issue 15 "Server cost per file"): the
 * same three rules — a known stack_key gets its stack_id again (its declared frames / room label touched
 * when they changed); else the client's proposal when no other key holds it; else the next free gNNN —
 * decided in memory, in list order, from ONE query for the stacks of the batch's rooms, and written in ONE
 * D1 batch (touches and inserts in list order). Race-safe as the single rule: every insert is
 * ON CONFLICT DO NOTHING (db/stacks.ts); a claim whose insert lost a race to another request is allocated
 * again the single way (allocateStackId), which looks again.
 *
 * `allocateStackIds(db, orderId, claims)` → the stack_id of each claim, in order. Throws what D1 throws
 * (the caller then falls back to one intent at a time).
 */
import { insertStackStatement, stacksOfRooms, touchStackStatement, type StackRow } from '../db/stacks.js';
import { allocateStackId, nextFreeStackId, type StackClaim } from './stack-allocation.js';

export async function allocateStackIds(db: D1Database, orderId: string, claims: readonly StackClaim[], now: Date = new Date()): Promise<string[]> {
  if (claims.length === 0) return [];
  const rows = await stacksOfRooms(db, orderId, [...new Set(claims.map((c) => c.roomType))]);
  const byKey = new Map<string, StackRow>();
  const ids = new Map<string, Set<string>>();
  const idsOf = (room: string): Set<string> => {
    let s = ids.get(room);
    if (!s) ids.set(room, (s = new Set()));
    return s;
  };
  for (const r of rows) {
    if (r.stack_key !== null) byKey.set(`${r.room_type}\0${r.stack_key}`, r);
    idsOf(r.room_type).add(r.stack_id);
  }
  const statements: D1PreparedStatement[] = [];
  /** Per claim: the index of its insert statement, or -1 (known stack). */
  const insertAt: number[] = [];
  const out: string[] = [];
  for (const c of claims) {
    const k = `${c.roomType}\0${c.stackKey}`;
    const known = byKey.get(k);
    if (known) {
      if (known.frames_declared !== c.framesDeclared || (c.roomLabel && known.room_label !== c.roomLabel)) {
        const touched = { ...known, frames_declared: c.framesDeclared ?? known.frames_declared, room_label: c.roomLabel ?? known.room_label };
        statements.push(touchStackStatement(db, { ...known, frames_declared: c.framesDeclared, room_label: c.roomLabel }));
        byKey.set(k, touched);
      }
      insertAt.push(-1);
      out.push(known.stack_id);
      continue;
    }
    const taken = idsOf(c.roomType);
    const id = c.proposed && !taken.has(c.proposed) ? c.proposed : nextFreeStackId([...taken]);
    const row: StackRow = {
      order_id: orderId,
      room_type: c.roomType,
      stack_id: id,
      stack_key: c.stackKey,
      room_label: c.roomLabel,
      frames_declared: c.framesDeclared,
      created_at: now.toISOString(),
    };
    insertAt.push(statements.length);
    statements.push(insertStackStatement(db, row));
    byKey.set(k, row);
    taken.add(id);
    out.push(id);
  }
  if (statements.length === 0) return out;
  const res = await db.batch(statements);
  for (const [i, at] of insertAt.entries()) {
    if (at >= 0 && res[at].meta.changes !== 1) out[i] = await allocateStackId(db, claims[i], now); // lost a race
  }
  return out;
}
