/**
 * Scheduled housekeeping (SPEC "Housekeeping"): intents not finalized within 24 h expire; their
 * objects are deleted and their unfinished multipart uploads aborted. Expired device codes are dropped.
 *
 * "Now" is the cron event's scheduledTime, so tests can move the clock (runScheduled(at)).
 * Works in batches of 200 intents, at most 50 batches per run (the next run picks up the rest).
 */
import { getFileByKey } from './db/files.js';
import { listStaleIntents, transitionIntent } from './db/intents.js';
import type { Env } from './env.js';

/** SPEC: 24 h, in ms. */
export const INTENT_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const BATCH = 200;
const MAX_BATCHES = 50;

export interface HousekeepingResult {
  expired: number;
  objectsDeleted: number;
  uploadsAborted: number;
  deviceCodesDeleted: number;
}

export async function runHousekeeping(env: Env, now: Date): Promise<HousekeepingResult> {
  const result: HousekeepingResult = { expired: 0, objectsDeleted: 0, uploadsAborted: 0, deviceCodesDeleted: 0 };
  const before = new Date(now.getTime() - INTENT_MAX_AGE_MS);
  for (let b = 0; b < MAX_BATCHES; b++) {
    const stale = await listStaleIntents(env.DB, before, BATCH);
    if (stale.length === 0) break;
    for (const intent of stale) {
      // Claim the intent first: a finalize racing with us either finished (status finalized, we skip)
      // or will find the intent expired and answer 409.
      if (!(await transitionIntent(env.DB, intent.id, ['pending', 'uploaded'], 'expired', now))) continue;
      result.expired++;
      if (await getFileByKey(env.DB, intent.object_key)) continue; // finalized after all: keep the object
      if (intent.upload_id) {
        try {
          await env.BUCKET.resumeMultipartUpload(intent.object_key, intent.upload_id).abort();
          result.uploadsAborted++;
        } catch {
          // already completed or aborted: the object (if any) is deleted below
        }
      }
      if (await env.BUCKET.head(intent.object_key)) {
        await env.BUCKET.delete(intent.object_key);
        result.objectsDeleted++;
      }
    }
    if (stale.length < BATCH) break;
  }
  const dc = await env.DB.prepare(`DELETE FROM device_codes WHERE expires_at < ?1`).bind(now.toISOString()).run();
  result.deviceCodesDeleted = dc.meta.changes;
  return result;
}
