/**
 * SPEC v2 "Finalize is bound to its intent": the object finalize registers must be the one the intent
 * announced — the stored object's size and finalize's `bytes` both equal the intent's `bytes` — so a short
 * PUT (600 of 1000 bytes) or a multipart upload completed with too few parts is never registered at the
 * smaller size. (The checksum half — finalize's checksum equal to the intent's, 422 — is in routes/finalize.ts.)
 */
import type { IntentRow } from '../db/intents.js';
import { HttpError } from '../lib/errors.js';

/** Throws 409 OBJECT_MISSING (details: expected_bytes = the intent's, stored_bytes, finalize_bytes) on any difference. */
export function checkBoundBytes(intent: Pick<IntentRow, 'object_key' | 'bytes'>, finalizeBytes: number, head: { size: number } | null): void {
  const key = intent.object_key;
  const details = { object_key: key, expected_bytes: intent.bytes, stored_bytes: head ? head.size : null, finalize_bytes: finalizeBytes };
  if (finalizeBytes !== intent.bytes) {
    throw new HttpError('OBJECT_MISSING', `${key}: finalize says ${finalizeBytes} bytes, the intent announced ${intent.bytes}`, details);
  }
  if (!head) throw new HttpError('OBJECT_MISSING', `${key}: no object in storage; upload it first`, details);
  if (head.size !== intent.bytes) {
    throw new HttpError('OBJECT_MISSING', `${key}: stored object is ${head.size} bytes, the intent announced ${intent.bytes}; upload it again`, details);
  }
}
