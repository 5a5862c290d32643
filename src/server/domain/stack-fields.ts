/**
 * The stack fields of an intent body (SPEC v2 "Stack identity"): `stack_key` (string ≤ 128, opaque),
 * `stack_frames` (integer ≥ 1) and `room_label` (string ≤ 100, kept as written, never used in keys).
 * All optional; each malformed one → 400 VALIDATION_FAILED naming the field. Labels with control or
 * bidirectional characters are refused as filenames are (SPEC v2 "Hardening"), since they are shown to people.
 */
import { invalid } from '../lib/errors.js';
import { optString, type Json } from '../lib/validate.js';

export interface StackFields {
  stackKey: string | null;
  stackFrames: number | null;
  roomLabel: string | null;
}

/** C0, DEL, C1, bidi controls, line/paragraph separators, BOM. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/;

export function parseStackFields(body: Json): StackFields {
  const key = optString(body, 'stack_key', 128);
  if (key !== undefined && (key.trim() === '' || UNPRINTABLE.test(key))) throw invalid('stack_key', 'stack_key must be printable and not empty');
  const frames = body.stack_frames;
  if (frames !== undefined && frames !== null && (typeof frames !== 'number' || !Number.isSafeInteger(frames) || frames < 1)) {
    throw invalid('stack_frames', 'stack_frames must be an integer >= 1');
  }
  const label = optString(body, 'room_label', 100);
  if (label !== undefined && UNPRINTABLE.test(label)) throw invalid('room_label', 'room_label must not contain control or bidirectional characters');
  return {
    stackKey: key ?? null,
    stackFrames: typeof frames === 'number' ? frames : null,
    roomLabel: label === undefined || label.trim() === '' ? null : label,
  };
}
