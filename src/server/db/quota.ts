/**
 * Storage quota per user (SPEC v2 "Quotas"): used = bytes of listed files (not deleted, not superseded)
 * + bytes of open intents (pending or uploaded, issued within the last 24 h, i.e. not yet expired).
 * Computed from the rows every time — no counters — so deletes and intents interleaving can never drive
 * the figure below zero or out of step.
 *
 * Race-safe reservation: the intent row is inserted first (as before), then `keepWithinQuota` runs ONE
 * conditional D1 statement that deletes that intent again when files + the open intents issued up to and
 * including it (by rowid, i.e. insertion order) exceed the limit. D1 runs statements one at a time, so
 * of two intents arriving at once the earlier-inserted one is judged without the later one and the later
 * one with the earlier one: the kept intents never add up to more than the limit. (A finalize writes the
 * file before it closes the intent, so in between the bytes count twice — never too few.)
 */
import type { QuotaFigures } from '../../contract/api.js';
import { INTENT_MAX_AGE_MS } from '../lib/intent-age.js';

const FILES_USED = `SELECT COALESCE(SUM(bytes), 0) FROM files WHERE user_id = ?1 AND status NOT IN ('deleted', 'superseded')`;
const OPEN_INTENTS = `SELECT COALESCE(SUM(bytes), 0) FROM intents o
  WHERE o.user_id = ?1 AND o.status IN ('pending', 'uploaded') AND o.created_at > ?2`;
// Both sums read an index only (migration 0008). The `+` on rowid below keeps SQLite on the open-intents
// index: a bare rowid bound made it walk every intent of the user by rowid (O(account), not O(open intents)).

function openSince(now: Date): string {
  return new Date(now.getTime() - INTENT_MAX_AGE_MS).toISOString();
}

/** Bytes the user uses now (≥ 0). */
export async function bytesUsed(db: D1Database, userId: string, now = new Date()): Promise<number> {
  const r = await db
    .prepare(`SELECT (${FILES_USED}) + (${OPEN_INTENTS}) AS used`)
    .bind(userId, openSince(now))
    .first<{ used: number }>();
  return Math.max(0, r?.used ?? 0);
}

export async function quotaFigures(db: D1Database, userId: string, limit: number, now = new Date()): Promise<QuotaFigures> {
  return { bytes_used: await bytesUsed(db, userId, now), bytes_limit: limit };
}

/**
 * Keeps the just-inserted intent `intentId` only when it fits (see the file comment); true = kept,
 * false = it was deleted again because it would pass `limit` bytes.
 */
export async function keepWithinQuota(db: D1Database, intentId: string, userId: string, limit: number, now = new Date()): Promise<boolean> {
  const r = await keepWithinQuotaStatement(db, intentId, userId, limit, now).run();
  return r.meta.changes === 0;
}

/**
 * keepWithinQuota's statement, bound but not run: in a `D1Database.batch` right after its intent's insert
 * (statements of a batch run one after another, so the judgement is the same as one intent at a time).
 * changes = 1 when the intent was dropped.
 */
export function keepWithinQuotaStatement(db: D1Database, intentId: string, userId: string, limit: number, now = new Date()): D1PreparedStatement {
  return db
    .prepare(
      `DELETE FROM intents WHERE id = ?3 AND
         (${FILES_USED}) + (${OPEN_INTENTS} AND +o.rowid <= (SELECT rowid FROM intents WHERE id = ?3)) > ?4`,
    )
    .bind(userId, openSince(now), intentId, limit);
}

/**
 * A batch's quota check in one statement, bound but not run: in a `D1Database.batch` after the inserts of
 * all the batch's intents (`intentIds`, ≤ 50 — SPEC v2 batch limit), it deletes every one of them when the
 * user's files and open intents, the batch's included, pass `limit`; changes = 0 when the whole batch fits.
 * When it fits, every intent would also have passed on its own (each one-at-a-time judgement sees a prefix
 * of the same rows, and bytes are ≥ 0), so the figures are the same with one sum a batch instead of one an
 * intent; when it does not, the caller judges the intents one at a time ({@link keepWithinQuotaStatement}).
 */
export function dropBatchOverQuotaStatement(db: D1Database, intentIds: readonly string[], userId: string, limit: number, now = new Date()): D1PreparedStatement {
  return db
    .prepare(`DELETE FROM intents WHERE id IN (SELECT value FROM json_each(?3)) AND (${FILES_USED}) + (${OPEN_INTENTS}) > ?4`)
    .bind(userId, openSince(now), JSON.stringify(intentIds), limit);
}
