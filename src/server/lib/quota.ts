/**
 * The quota check of an intent (SPEC v2 "Quotas"): an intent (or a batch item) that would pass the user's
 * quota → 413 QUOTA_EXCEEDED with details `{bytes_used, bytes_limit, bytes_needed}`; the intent row is
 * removed again (db/quota.ts explains why this is race-safe).
 */
import { bytesUsed, keepWithinQuota } from '../db/quota.js';
import type { IntentRow } from '../db/intents.js';
import { ApiError } from './errors.js';

/** Throws 413 QUOTA_EXCEEDED (and drops the intent) when `intent` does not fit into `limit` bytes. */
export async function reserveQuota(db: D1Database, intent: Pick<IntentRow, 'id' | 'user_id' | 'bytes' | 'filename'>, limit: number): Promise<void> {
  if (await keepWithinQuota(db, intent.id, intent.user_id, limit)) return;
  const used = await bytesUsed(db, intent.user_id);
  throw new ApiError(
    'QUOTA_EXCEEDED',
    `${intent.filename} needs ${intent.bytes} bytes; ${used} of ${limit} bytes of your storage quota are used`,
    { bytes_used: used, bytes_limit: limit, bytes_needed: intent.bytes },
  );
}
