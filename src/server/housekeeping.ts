/**
 * Scheduled housekeeping (SPEC "Housekeeping"): intents not finalized within 24 h expire; their
 * objects are deleted and their unfinished multipart uploads aborted (through the ObjectStore: R2
 * binding or signed S3 requests). Expired device codes are dropped. SPEC v2: objects and previews of
 * files deleted or superseded more than 7 days ago are removed (housekeeping-files.ts). Ended web sessions
 * (expired or signed out) are dropped (web/session.ts).
 *
 * "Now" is the cron event's scheduledTime, so tests can move the clock (runScheduled(at)).
 * Works in batches of 200 intents, at most 50 batches per run (the next run picks up the rest).
 */
import { getFileByKey } from './db/files.js';
import { BATCH, MAX_BATCHES, purgeRemovedFiles, type PurgeResult } from './housekeeping-files.js';
import { listStaleIntents, transitionIntent } from './db/intents.js';
import { readConfig, type Env } from './env.js';
import { INTENT_MAX_AGE_MS } from './lib/intent-age.js';
import { makeStore } from './lib/services.js';
import { purgeEndedSessions } from './web/session.js';

export { INTENT_MAX_AGE_MS } from './lib/intent-age.js';

export interface HousekeepingResult {
  expired: number;
  objectsDeleted: number;
  uploadsAborted: number;
  deviceCodesDeleted: number;
  /** Intents whose object/upload could not be cleaned up because the store failed. */
  storeErrors: number;
  /** SPEC v2: deleted/superseded files whose object and previews were removed (housekeeping-files.ts). */
  removed?: PurgeResult;
  /** Web sessions that expired or were signed out (web/session.ts). */
  sessionsDeleted?: number;
}

export async function runHousekeeping(env: Env, now: Date): Promise<HousekeepingResult> {
  const result: HousekeepingResult = { expired: 0, objectsDeleted: 0, uploadsAborted: 0, deviceCodesDeleted: 0, storeErrors: 0 };
  const before = new Date(now.getTime() - INTENT_MAX_AGE_MS);
  const store = makeStore(env, readConfig(env));
  for (let b = 0; b < MAX_BATCHES; b++) {
    const stale = await listStaleIntents(env.DB, before, BATCH);
    if (stale.length === 0) break;
    for (const intent of stale) {
      // Claim the intent first: a finalize racing with us either finished (status finalized, we skip)
      // or will find the intent expired and answer 409.
      if (!(await transitionIntent(env.DB, intent.id, ['pending', 'uploaded'], 'expired', now))) continue;
      result.expired++;
      if (await getFileByKey(env.DB, intent.object_key)) continue; // finalized after all: keep the object
      try {
        if (intent.upload_id && intent.status === 'pending') {
          await store.abortMultipart(intent.object_key, intent.upload_id); // already completed/aborted: no-op
          result.uploadsAborted++;
        }
        if (await store.head(intent.object_key)) {
          await store.delete(intent.object_key);
          result.objectsDeleted++;
        }
      } catch (e) {
        // Store unreachable (S3 mode): the intent stays expired; its leftovers wait for the store's own
        // lifecycle rules. One failure must not stop the run.
        result.storeErrors++;
        console.error(`piximmo housekeeping: ${intent.object_key}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (stale.length < BATCH) break;
  }
  const dc = await env.DB.prepare(`DELETE FROM device_codes WHERE expires_at < ?1`).bind(now.toISOString()).run();
  result.deviceCodesDeleted = dc.meta.changes;
  result.removed = await purgeRemovedFiles(env, store, now);
  result.sessionsDeleted = await purgeEndedSessions(env.DB, now);
  return result;
}
