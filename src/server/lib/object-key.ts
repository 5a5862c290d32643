/**
 * Server-built object keys (SPEC "POST /api/uploads/intent"; seed 000: "Kein clientseitiger Pfadbau"):
 *
 *   user/{user_id}/orders/{order_id}/raw/{date}_{shootcode}_{room_type}_{stack_id}_v{ver}.{ext}
 *
 * `date` = UTC date (YYYY-MM-DD) of the intent; `room_type`/`stack_id` slugged to [a-z0-9-] with
 * defaults "unsorted"/"s000"; `ver` = 1 + keys already issued for (order, room_type, stack_id) — the
 * counter lives in D1 (db/intents.ts); `ext` = the file's extension, lower-cased.
 */
import { extensionOf } from '../../contract/media.js';
import { slugify } from '../../contract/slug.js';

export const DEFAULT_ROOM = 'unsorted';
export const DEFAULT_STACK = 's000';

/**
 * Slug to [a-z0-9-] — the same function the CLI uses for room folder names (src/contract/slug.ts: German
 * ä/ö/ü/ß → ae/oe/ue/ss, ø/ł/œ/ı transliterated, separators → "-", at most 64 chars). "" when nothing is
 * left (callers then use the default).
 */
export function slug(input: string): string {
  return slugify(input);
}

/** Slugged room type, "unsorted" when absent or empty after slugging. */
export function roomSlug(room: string | undefined | null): string {
  return (room && slug(room)) || DEFAULT_ROOM;
}

/** Slugged stack id, "s000" when absent or empty after slugging. */
export function stackSlug(stack: string | undefined | null): string {
  return (stack && slug(stack)) || DEFAULT_STACK;
}

/** A key-path-safe form of an id (user/order ids are seeded, but never trust them in a path). */
export function pathSegment(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

export interface ObjectKeyParts {
  userId: string;
  orderId: string;
  shootcode: string;
  /** Already slugged. */
  roomType: string;
  /** Already slugged. */
  stackId: string;
  /** >= 1. */
  version: number;
  filename: string;
  /** Time of the intent; only its UTC date is used. */
  at: Date;
}

export function buildObjectKey(p: ObjectKeyParts): string {
  const date = p.at.toISOString().slice(0, 10);
  const ext = extensionOf(p.filename);
  const name = `${date}_${pathSegment(p.shootcode)}_${p.roomType}_${p.stackId}_v${p.version}.${ext}`;
  return `user/${pathSegment(p.userId)}/orders/${pathSegment(p.orderId)}/raw/${name}`;
}
