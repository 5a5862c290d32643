/**
 * D1 repository: upload intents (one row per issued object key) and the per-(order, room, stack)
 * key counter. Status flow: pending → uploaded → finalized; or → expired (housekeeping) / aborted.
 */
import { inListStatements } from './in-list.js';

export type IntentStatus = 'pending' | 'uploaded' | 'finalized' | 'expired' | 'aborted';

export interface IntentRow {
  id: string;
  user_id: string;
  order_id: string;
  object_key: string;
  filename: string;
  mime: string;
  /** Declared size, bytes. */
  bytes: number;
  /** SHA-256 lower-case hex, or null when the client sent none. */
  checksum: string | null;
  room_type: string;
  stack_id: string;
  /** SPEC v2 stack identity: the room folder's name as written, the client's stack key and frame count. */
  room_label: string | null;
  stack_key: string | null;
  stack_frames: number | null;
  status: IntentStatus;
  /** R2 multipart upload id; null for a single PUT. */
  upload_id: string | null;
  /** Bytes per part (multipart only). */
  part_size: number | null;
  /** Set while a local single PUT is in flight or done (single-use token). */
  claimed_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Atomically takes the next version for (order, room_type, stack_id): 1 on first use, then 2, 3, …
 * One statement, so two concurrent intents never get the same number (SPEC: ver = 1 + keys issued).
 */
export async function nextKeyVersion(db: D1Database, orderId: string, room: string, stack: string): Promise<number> {
  const row = await takeKeyVersionsStatement(db, orderId, room, stack, 1).first<{ issued: number }>();
  if (!row) throw new Error('key counter returned no row');
  return row.issued;
}

/**
 * Takes `count` (≥ 1) versions for (order, room_type, stack_id) at once, bound but not run (for
 * `D1Database.batch`): it returns `{issued}` = the last one taken; the batch's are issued − count + 1 … issued.
 * One statement, so as race-free as nextKeyVersion.
 */
export function takeKeyVersionsStatement(db: D1Database, orderId: string, room: string, stack: string, count: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO key_counters (order_id, room_type, stack_id, issued) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (order_id, room_type, stack_id) DO UPDATE SET issued = issued + ?4
       RETURNING issued`,
    )
    .bind(orderId, room, stack, count);
}

/**
 * Inserts the intent; returns false (and inserts nothing) when `object_key` already exists
 * (UNIQUE constraint — the caller then takes a new version and retries).
 */
export async function insertIntent(db: D1Database, row: IntentRow): Promise<boolean> {
  const r = await insertIntentStatement(db, row).run();
  return r.meta.changes === 1;
}

/** insertIntent's statement, bound but not run (for `D1Database.batch`); changes = 0 when the key was taken. */
export function insertIntentStatement(db: D1Database, row: IntentRow): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO intents (id, user_id, order_id, object_key, filename, mime, bytes, checksum, room_type,
         stack_id, status, upload_id, part_size, claimed_at, created_at, updated_at, room_label, stack_key, stack_frames)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
       ON CONFLICT (object_key) DO NOTHING`,
    )
    .bind(
      row.id, row.user_id, row.order_id, row.object_key, row.filename, row.mime, row.bytes, row.checksum,
      row.room_type, row.stack_id, row.status, row.upload_id, row.part_size, row.claimed_at, row.created_at,
      row.updated_at, row.room_label, row.stack_key, row.stack_frames,
    );
}

export async function getIntentById(db: D1Database, id: string): Promise<IntentRow | null> {
  return db.prepare(`SELECT * FROM intents WHERE id = ?1`).bind(id).first<IntentRow>();
}

export async function getIntentByKey(db: D1Database, objectKey: string): Promise<IntentRow | null> {
  return db.prepare(`SELECT * FROM intents WHERE object_key = ?1`).bind(objectKey).first<IntentRow>();
}

/** The intents of `objectKeys` (unknown keys are absent), by object key; one query per 90 keys (in-list.ts). */
export async function getIntentsByKeys(db: D1Database, objectKeys: readonly string[]): Promise<Map<string, IntentRow>> {
  const found = new Map<string, IntentRow>();
  for (const statement of inListStatements(db, [], [...new Set(objectKeys)], (marks) => `SELECT * FROM intents WHERE object_key IN (${marks})`)) {
    const r = await statement.all<IntentRow>();
    for (const row of r.results) found.set(row.object_key, row);
  }
  return found;
}

/**
 * Claims a pending single-PUT intent for one upload: true for exactly one caller, false when already
 * claimed/used or no longer pending (→ 410 URL_EXPIRED). `releaseClaim` undoes it after a failed PUT
 * (SPEC: the token is spent on success only).
 */
export async function claimForUpload(db: D1Database, id: string, now: Date): Promise<boolean> {
  const r = await db
    .prepare(
      `UPDATE intents SET claimed_at = ?2, updated_at = ?2
       WHERE id = ?1 AND status = 'pending' AND claimed_at IS NULL`,
    )
    .bind(id, now.toISOString())
    .run();
  return r.meta.changes === 1;
}

export async function releaseClaim(db: D1Database, id: string, now: Date): Promise<void> {
  await db
    .prepare(`UPDATE intents SET claimed_at = NULL, updated_at = ?2 WHERE id = ?1 AND status = 'pending'`)
    .bind(id, now.toISOString())
    .run();
}

/** Moves the intent to `to` only if it is currently in one of `from`; true when it moved. */
export async function transitionIntent(
  db: D1Database,
  id: string,
  from: IntentStatus[],
  to: IntentStatus,
  now: Date,
): Promise<boolean> {
  const r = await transitionIntentStatement(db, id, from, to, now).run();
  return r.meta.changes === 1;
}

/** transitionIntent's statement, bound but not run (for `D1Database.batch`); changes = 1 when it moved. */
export function transitionIntentStatement(db: D1Database, id: string, from: IntentStatus[], to: IntentStatus, now: Date): D1PreparedStatement {
  const marks = from.map((_, i) => `?${i + 4}`).join(', ');
  return db
    .prepare(`UPDATE intents SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status IN (${marks})`)
    .bind(id, to, now.toISOString(), ...from);
}

/** Intents created before `before` that never got finalized (pending/uploaded), oldest first, at most `limit`. */
export async function listStaleIntents(db: D1Database, before: Date, limit: number): Promise<IntentRow[]> {
  const r = await db
    .prepare(
      `SELECT * FROM intents WHERE status IN ('pending', 'uploaded') AND created_at < ?1
       ORDER BY created_at LIMIT ?2`,
    )
    .bind(before.toISOString(), limit)
    .all<IntentRow>();
  return r.results;
}

/** Records the R2 multipart upload of an intent. */
export async function setMultipart(db: D1Database, id: string, uploadId: string, partSize: number, now: Date): Promise<void> {
  await db
    .prepare(`UPDATE intents SET upload_id = ?2, part_size = ?3, updated_at = ?4 WHERE id = ?1`)
    .bind(id, uploadId, partSize, now.toISOString())
    .run();
}
