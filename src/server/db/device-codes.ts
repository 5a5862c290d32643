/**
 * D1 repository: RFC 8628 device codes. The device_code is stored as SHA-256 hex; the user_code
 * ("BCDF-GHJK") is what the user types on the approval page.
 * Status: pending → approved (by a user) → consumed (token handed out once); or denied.
 */

export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'consumed';

export interface DeviceCodeRow {
  device_code_hash: string;
  user_code: string;
  status: DeviceCodeStatus;
  user_id: string | null;
  /** Seconds the client must wait between polls. */
  interval_s: number;
  last_poll_at: string | null;
  expires_at: string;
  created_at: string;
}

/** Inserts a code; false when the user_code is taken (caller draws another). */
export async function insertDeviceCode(db: D1Database, row: DeviceCodeRow): Promise<boolean> {
  const r = await db
    .prepare(
      `INSERT INTO device_codes (device_code_hash, user_code, status, user_id, interval_s, last_poll_at, expires_at, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING`,
    )
    .bind(row.device_code_hash, row.user_code, row.status, row.user_id, row.interval_s, row.last_poll_at, row.expires_at, row.created_at)
    .run();
  return r.meta.changes === 1;
}

export async function getDeviceCode(db: D1Database, hash: string): Promise<DeviceCodeRow | null> {
  return db.prepare(`SELECT * FROM device_codes WHERE device_code_hash = ?1`).bind(hash).first<DeviceCodeRow>();
}

/** Records a poll at `now`; `interval` replaces the stored one (raised on slow_down). */
export async function recordPoll(db: D1Database, hash: string, now: Date, interval: number): Promise<void> {
  await db
    .prepare(`UPDATE device_codes SET last_poll_at = ?2, interval_s = ?3 WHERE device_code_hash = ?1`)
    .bind(hash, now.toISOString(), interval)
    .run();
}

/** approved → consumed, for exactly one caller (the one that then issues the token). */
export async function consumeDeviceCode(db: D1Database, hash: string): Promise<boolean> {
  const r = await db
    .prepare(`UPDATE device_codes SET status = 'consumed' WHERE device_code_hash = ?1 AND status = 'approved'`)
    .bind(hash)
    .run();
  return r.meta.changes === 1;
}

/**
 * Approves (with the user) or denies a pending, unexpired code by user_code. Returns false when no
 * such code is pending.
 */
export async function decideDeviceCode(
  db: D1Database,
  userCode: string,
  decision: 'approved' | 'denied',
  userId: string | null,
  now: Date,
): Promise<boolean> {
  const r = await db
    .prepare(
      `UPDATE device_codes SET status = ?2, user_id = ?3
       WHERE user_code = ?1 AND status = 'pending' AND expires_at > ?4`,
    )
    .bind(userCode, decision, userId, now.toISOString())
    .run();
  return r.meta.changes === 1;
}
