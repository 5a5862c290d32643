/**
 * The quota check of an intent (SPEC v2 "Quotas"): an intent (or a batch item) that would pass the user's
 * quota → 413 QUOTA_EXCEEDED with details `{bytes_used, bytes_limit, bytes_needed}`; the intent row is
 * removed again (db/quota.ts explains why this is race-safe).
 */
import { bytesUsed, keepWithinQuota } from '../db/quota.js';
import type { IntentRow } from '../db/intents.js';
import { HttpError } from './errors.js';

/** Throws 413 QUOTA_EXCEEDED (and drops the intent) when `intent` does not fit into `limit` bytes. */
export async function reserveQuota(db: D1Database, intent: Pick<IntentRow, 'id' | 'user_id' | 'bytes' | 'filename'>, limit: number): Promise<void> {
  if (await keepWithinQuota(db, intent.id, intent.user_id, limit)) return;
  throw await quotaExceeded(db, intent, limit);
}

/**
 * The 413 QUOTA_EXCEEDED of an intent that was dropped because it did not fit: the usage as it is now,
 * less `laterBytes` (intents of the same D1 batch inserted after it, which it was not judged against).
 */
export async function quotaExceeded(db: D1Database, intent: Pick<IntentRow, 'user_id' | 'bytes' | 'filename'>, limit: number, laterBytes = 0): Promise<HttpError> {
  const used = Math.max(0, (await bytesUsed(db, intent.user_id)) - laterBytes);
  return new HttpError(
    'QUOTA_EXCEEDED',
    `${intent.filename} needs ${intent.bytes} bytes; ${used} of ${limit} bytes of your storage quota are used`,
    { bytes_used: used, bytes_limit: limit, bytes_needed: intent.bytes },
  );
}
