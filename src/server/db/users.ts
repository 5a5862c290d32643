/**
 * D1 repository: users, their auth tokens (stored as SHA-256 hex only) and their orders.
 * All functions take the D1 binding; they throw whatever D1 throws (→ 500 INTERNAL).
 */

export interface UserRow {
  id: string;
  name: string | null;
}

export interface OrderRow {
  id: string;
  user_id: string;
  shootcode: string;
}

export type TokenKind = 'device' | 'session';

/**
 * The user a live token hash belongs to, or null: not revoked, and not past `expires_at` (web sessions
 * expire, migrations/0006_web.sql; device tokens have none). `kind` narrows to one kind of token.
 */
export async function findUserByTokenHash(db: D1Database, tokenHash: string, kind?: TokenKind): Promise<UserRow | null> {
  return db
    .prepare(
      `SELECT u.id, u.name FROM auth_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2)
         AND (?3 IS NULL OR t.kind = ?3)`,
    )
    .bind(tokenHash, new Date().toISOString(), kind ?? null)
    .first<UserRow>();
}

/** Stores a new token hash for `userId`. */
export async function insertToken(
  db: D1Database,
  tokenHash: string,
  userId: string,
  kind: TokenKind,
  now: Date,
): Promise<void> {
  await db
    .prepare(`INSERT INTO auth_tokens (token_hash, user_id, kind, created_at) VALUES (?1, ?2, ?3, ?4)`)
    .bind(tokenHash, userId, kind, now.toISOString())
    .run();
}

/** Marks the token revoked (logout); later requests with it get 401. */
export async function revokeToken(db: D1Database, tokenHash: string, now: Date): Promise<void> {
  await db
    .prepare(`UPDATE auth_tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL`)
    .bind(tokenHash, now.toISOString())
    .run();
}

export async function listUsers(db: D1Database): Promise<UserRow[]> {
  const r = await db.prepare(`SELECT id, name FROM users ORDER BY id`).all<UserRow>();
  return r.results;
}

export async function getUser(db: D1Database, userId: string): Promise<UserRow | null> {
  return db.prepare(`SELECT id, name FROM users WHERE id = ?1`).bind(userId).first<UserRow>();
}

/** The order when it exists AND belongs to `userId`; null otherwise (SPEC: the two are not told apart). */
export async function findOwnedOrder(db: D1Database, orderId: string, userId: string): Promise<OrderRow | null> {
  return ownedOrderStatement(db, orderId, userId).first<OrderRow>();
}

/** {@link findOwnedOrder}'s query as a statement, for a `db.batch` (no row: not the user's, or no such order). */
export function ownedOrderStatement(db: D1Database, orderId: string, userId: string): D1PreparedStatement {
  return db.prepare(`SELECT id, user_id, shootcode FROM orders WHERE id = ?1 AND user_id = ?2`).bind(orderId, userId);
}

/**
 * `statements` run in ONE D1 batch behind the ownership check of `orderId` (one round trip, one transaction):
 * the order with their results, in order; null when the order is not `userId`'s or does not exist (SPEC: the
 * two are not told apart — a foreign order's rows are read with it and dropped unread).
 */
export async function batchForOwner(
  db: D1Database,
  orderId: string,
  userId: string,
  statements: readonly D1PreparedStatement[],
): Promise<{ order: OrderRow; results: D1Result<unknown>[] } | null> {
  const [owned, ...results] = await db.batch<unknown>([ownedOrderStatement(db, orderId, userId), ...statements]);
  const order = (owned as D1Result<OrderRow>).results[0];
  return order ? { order, results } : null;
}

export interface OrderWithCount {
  id: string;
  shootcode: string;
  file_count: number;
}

/** The caller's orders with the number of finalized files each, ordered by id. */
export async function listOrdersWithCounts(db: D1Database, userId: string): Promise<OrderWithCount[]> {
  const r = await db
    .prepare(
      `SELECT o.id, o.shootcode, (SELECT COUNT(*) FROM files f WHERE f.order_id = o.id AND f.status NOT IN ('superseded', 'deleted')) AS file_count
       FROM orders o WHERE o.user_id = ?1 ORDER BY o.id`,
    )
    .bind(userId)
    .all<OrderWithCount>();
  return r.results;
}
