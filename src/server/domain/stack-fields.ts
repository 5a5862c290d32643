/**
 * The stack fields of an intent (SPEC v2 "Stack identity"): `stack_key` (string ≤ 128, opaque),
 * `stack_frames` (integer ≥ 1) and `room_label` (string ≤ 100, kept as written, never used in keys).
 * All optional; their shape (and the refusal of control or bidirectional characters, SPEC v2 "Hardening")
 * is checked by the contract's schema (src/contract/requests.ts) before they reach this mapping.
 */
import type { BatchIntentFile } from '../../contract/api.js';

export interface StackFields {
  stackKey: string | null;
  stackFrames: number | null;
  /** null when absent or blank. */
  roomLabel: string | null;
}

export function stackFieldsOf(body: Pick<BatchIntentFile, 'stack_key' | 'stack_frames' | 'room_label'>): StackFields {
  const label = body.room_label;
  return {
    stackKey: body.stack_key ?? null,
    stackFrames: body.stack_frames ?? null,
    roomLabel: label == null || label.trim() === '' ? null : label,
  };
}
