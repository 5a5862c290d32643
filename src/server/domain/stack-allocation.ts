/**
 * Server-side stack_id allocation (SPEC v2 "Stack identity: stack ids are unique within an order").
 *
 * For an intent with `stack_key` in (order, room_type):
 *   1. a stack_key this (order, room_type) has seen before gets its stack_id again;
 *   2. else the client's `stack_id` is taken when no other stack_key holds it there;
 *   3. else the next free `gNNN` (highest gNNN + 1).
 * Race-safe through D1's constraints (db/stacks.ts): the new row is inserted with ON CONFLICT DO NOTHING;
 * an insert that lost a race (the id was taken, or the same key was inserted at the same moment) is
 * followed by looking again — so two intents at once for different keys never get the same id, and two
 * at once for one key get the same one. Without `stack_key` the v1 rule stands (the caller keeps its id).
 */
import { nextFreeStackId } from '../../contract/stack-id.js';
import { findStackByKey, stackIdsOf, touchStack, tryInsertStack } from '../db/stacks.js';

/** Rounds of look → insert before giving up: each lost race takes one, and n intents racing for one room take up to n. */
const ATTEMPTS = 64;

export interface StackClaim {
  orderId: string;
  /** Slugged room type. */
  roomType: string;
  /** The client's opaque stack key (≤ 128 chars). */
  stackKey: string;
  /** The client's (slugged) stack id, the proposal of rule 2; null when it sent none. */
  proposed: string | null;
  roomLabel: string | null;
  framesDeclared: number | null;
}

/** The format lives in the contract, shared with the CLI (src/contract/stack-id.ts). */
export { nextFreeStackId, stackName } from '../../contract/stack-id.js';

/** The stack_id of the claim's stack (see the file comment). Throws Error when every attempt lost a race. */
export async function allocateStackId(db: D1Database, claim: StackClaim, now: Date = new Date()): Promise<string> {
  let candidate: string | null = claim.proposed;
  for (let i = 0; i < ATTEMPTS; i++) {
    const known = await findStackByKey(db, claim.orderId, claim.roomType, claim.stackKey);
    if (known) {
      if (known.frames_declared !== claim.framesDeclared || (claim.roomLabel && known.room_label !== claim.roomLabel)) {
        await touchStack(db, { ...known, frames_declared: claim.framesDeclared, room_label: claim.roomLabel });
      }
      return known.stack_id;
    }
    const id = candidate ?? nextFreeStackId(await stackIdsOf(db, claim.orderId, claim.roomType));
    const inserted = await tryInsertStack(db, {
      order_id: claim.orderId,
      room_type: claim.roomType,
      stack_id: id,
      stack_key: claim.stackKey,
      room_label: claim.roomLabel,
      frames_declared: claim.framesDeclared,
      created_at: now.toISOString(),
    });
    if (inserted) return id;
    candidate = null; // the proposal (or the last free id) is taken: look for the key again, then the next free id
  }
  throw new Error(`could not allocate a stack id in ${claim.orderId}/${claim.roomType}`);
}
