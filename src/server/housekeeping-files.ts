/**
 * Housekeeping of removed files (SPEC v2 "Downloads and delete": "the object and its previews are removed
 * by housekeeping 7 days later"): files `deleted` (by the user) or `superseded` (by a newer version) for
 * more than 7 days lose their object (and its quarantined copy `quarantine/<key>`, if it was infected) and
 * every object under `previews/<file_id>/`; the row stays, with
 * `purged_at` set (statistics and the audit trail keep it). The 7 days count from `deleted_at`, or — for
 * a superseded file — from its last status change (`updated_at`).
 *
 * Called by the cron handler (housekeeping.ts) with the event's time, so tests move the clock. Works in
 * batches of 200, at most 50 per run; a store failure leaves that file for the next run.
 */
import type { Env } from './env.js';
import { previewPrefix } from './processing/preview-sizes.js';
import { QUARANTINE_PREFIX } from './scan/objects.js';
import type { ObjectStore } from './storage/index.js';

/** SPEC v2: 7 days, in ms. */
export const REMOVED_FILE_GRACE_MS = 7 * 24 * 60 * 60 * 1000;
/** Rows per housekeeping batch (both housekeeping passes). */
export const BATCH = 200;
/** Batches per cron run; the next run picks up the rest. */
export const MAX_BATCHES = 50;

export interface PurgeResult {
  filesPurged: number;
  previewsDeleted: number;
  storeErrors: number;
}

interface RemovedRow {
  id: string;
  object_key: string;
}

export async function purgeRemovedFiles(env: Env, store: ObjectStore, now: Date): Promise<PurgeResult> {
  const r: PurgeResult = { filesPurged: 0, previewsDeleted: 0, storeErrors: 0 };
  const before = new Date(now.getTime() - REMOVED_FILE_GRACE_MS).toISOString();
  const failed = new Set<string>();
  for (let b = 0; b < MAX_BATCHES; b++) {
    const rows = (
      await env.DB.prepare(
        `SELECT id, object_key FROM files
         WHERE status IN ('deleted', 'superseded') AND purged_at IS NULL AND COALESCE(deleted_at, updated_at) < ?1
         ORDER BY COALESCE(deleted_at, updated_at) LIMIT ?2`,
      )
        .bind(before, BATCH + failed.size)
        .all<RemovedRow>()
    ).results.filter((x) => !failed.has(x.id));
    if (rows.length === 0) break;
    for (const f of rows) {
      try {
        await store.delete(f.object_key);
        await store.delete(QUARANTINE_PREFIX + f.object_key); // an infected file's quarantined original, if any
        r.previewsDeleted += await store.deletePrefix(previewPrefix(f.id));
        await env.DB.prepare(`UPDATE files SET purged_at = ?2 WHERE id = ?1`).bind(f.id, now.toISOString()).run();
        r.filesPurged++;
      } catch (e) {
        failed.add(f.id);
        r.storeErrors++;
        console.error(`piximmo housekeeping: purge ${f.object_key}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (rows.length < BATCH) break;
  }
  return r;
}
