/**
 * Upload statistics of one user (SPEC v2 "Upload statistics", seed 001's analytics), over the intents the
 * user was issued since `since` (all when null):
 * - intents: how many; finalized / expired: how many of them are in that state now;
 * - bytes: bytes of the finalized ones; success_rate = finalized / intents (0 without intents);
 * - median_upload_ms: median of (file created_at − intent_at), intent → finalize, over files whose
 *   intent was issued since `since` (null when none);
 * - by_mime: finalized ones per mime type.
 * Intents answered with `existing_file_id` (duplicates) issue no intent row and are not counted.
 */
import type { UploadStatsResponse } from '../../contract/api.js';

export async function uploadStats(db: D1Database, userId: string, since: string | null): Promise<UploadStatsResponse> {
  const from = since ?? '';
  const [totals, mimes, times, infected] = await db.batch([
    db
      .prepare(
        `SELECT COUNT(*) AS intents,
                COALESCE(SUM(status = 'finalized'), 0) AS finalized,
                COALESCE(SUM(status = 'expired'), 0) AS expired,
                COALESCE(SUM(CASE WHEN status = 'finalized' THEN bytes ELSE 0 END), 0) AS bytes
         FROM intents WHERE user_id = ?1 AND created_at >= ?2`,
      )
      .bind(userId, from),
    db
      .prepare(`SELECT mime, COUNT(*) AS n FROM intents WHERE user_id = ?1 AND created_at >= ?2 AND status = 'finalized' GROUP BY mime ORDER BY mime`)
      .bind(userId, from),
    db
      .prepare(
        `SELECT intent_at, created_at FROM files WHERE user_id = ?1 AND intent_at IS NOT NULL AND intent_at >= ?2`,
      )
      .bind(userId, from),
    // issue 16: infected files (intent_at is null only for rows finalized before migration 0002)
    db
      .prepare(`SELECT COUNT(*) AS n FROM files WHERE user_id = ?1 AND status = 'infected' AND COALESCE(intent_at, created_at) >= ?2`)
      .bind(userId, from),
  ]);
  const t = (totals.results[0] ?? {}) as { intents?: number; finalized?: number; expired?: number; bytes?: number };
  const intents = t.intents ?? 0;
  const finalized = t.finalized ?? 0;
  const by_mime: Record<string, number> = {};
  for (const r of mimes.results as { mime: string; n: number }[]) by_mime[r.mime] = r.n;
  const durations = (times.results as { intent_at: string; created_at: string }[])
    .map((r) => Date.parse(r.created_at) - Date.parse(r.intent_at))
    .filter((d) => Number.isFinite(d) && d >= 0)
    .sort((a, b) => a - b);
  return {
    since,
    intents,
    finalized,
    expired: t.expired ?? 0,
    bytes: t.bytes ?? 0,
    success_rate: intents === 0 ? 0 : finalized / intents,
    median_upload_ms: median(durations),
    by_mime,
    infected: ((infected.results[0] ?? {}) as { n?: number }).n ?? 0,
  };
}

/** Median of ascending numbers (mean of the middle two for an even count); null for none. */
export function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}
