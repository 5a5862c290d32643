/**
 * Seeding users, their tokens and orders into D1 for the local server (SPEC "The local server").
 * Format (fixtures/demo-seed.json):
 *   {"users": [{"id", "name"?, "device_token"?, "session"?, "orders"?: [{"id", "shootcode"}]}]}
 * Upsert, idempotent: re-seeding updates names/shootcodes and makes the seeded tokens valid again
 * (a seeded token revoked by logout works again after a restart). Tokens are stored as SHA-256 hex.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { D1Like, D1StmtLike } from './migrate.js';

export interface SeedOrder {
  id: string;
  shootcode: string;
}

export interface SeedUser {
  id: string;
  name?: string;
  /** Device token accepted as `Authorization: Bearer …` / `X-Device-Token`. */
  device_token?: string;
  /** Web session accepted as cookie `piximmo_session`. */
  session?: string;
  orders?: SeedOrder[];
}

export interface SeedFile {
  users: SeedUser[];
}

/** Reads and shape-checks a seed file; throws Error naming the problem. */
export function loadSeed(source: string | SeedFile): SeedFile {
  const v: unknown = typeof source === 'string' ? JSON.parse(readFileSync(source, 'utf8')) : source;
  const users = (v as { users?: unknown })?.users;
  if (!Array.isArray(users)) throw new Error('seed: "users" must be an array');
  for (const u of users as SeedUser[]) {
    if (typeof u?.id !== 'string' || !u.id) throw new Error('seed: every user needs a string "id"');
    for (const o of u.orders ?? []) {
      if (typeof o?.id !== 'string' || typeof o?.shootcode !== 'string') throw new Error(`seed: user ${u.id}: orders need "id" and "shootcode"`);
    }
  }
  return v as SeedFile;
}

const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Upserts every user, token and order of `seed` in one batch. */
export async function applySeed(db: D1Like, seed: SeedFile, now = new Date()): Promise<void> {
  const at = now.toISOString();
  const stmts: D1StmtLike[] = [];
  const token = (secret: string, userId: string, kind: 'device' | 'session') =>
    db
      .prepare(
        `INSERT INTO auth_tokens (token_hash, user_id, kind, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, kind = excluded.kind, revoked_at = NULL`,
      )
      .bind(sha256Hex(secret), userId, kind, at);
  for (const u of seed.users) {
    stmts.push(
      db
        .prepare(`INSERT INTO users (id, name, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET name = excluded.name`)
        .bind(u.id, u.name ?? null, at),
    );
    if (u.device_token) stmts.push(token(u.device_token, u.id, 'device'));
    if (u.session) stmts.push(token(u.session, u.id, 'session'));
    for (const o of u.orders ?? []) {
      stmts.push(
        db
          .prepare(
            `INSERT INTO orders (id, user_id, shootcode, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, shootcode = excluded.shootcode`,
          )
          .bind(o.id, u.id, o.shootcode, at),
      );
    }
  }
  if (stmts.length) await db.batch(stmts);
}
