/**
 * Web sessions (SPEC "The web uploader"): signing in at /app creates a random session secret, stored in
 * D1 `auth_tokens` as SHA-256 hex with kind 'session' and an `expires_at` (SESSION_TTL_S), and sent to the
 * browser as the HttpOnly cookie `piximmo_session` (SameSite=Strict; Secure except on plain-http loopback,
 * where a browser would drop a Secure cookie). lib/auth.ts accepts that cookie on the API.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { findUserByTokenHash, revokeToken, type UserRow } from '../db/users.js';
import type { AppEnv } from '../lib/app-env.js';
import { SESSION_COOKIE } from '../lib/auth.js';
import { randomToken, sha256Hex } from '../lib/crypto.js';

/** Session lifetime: 14 days, in seconds (cookie Max-Age and D1 expires_at). */
export const SESSION_TTL_S = 14 * 24 * 3600;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Secure unless the page is served over plain http on a loopback host (local server). */
export function cookieSecure(requestUrl: string): boolean {
  const u = new URL(requestUrl);
  return !(u.protocol === 'http:' && LOOPBACK.has(u.hostname));
}

/** The signed-in user of the request's session cookie, or null (no, unknown, revoked or expired session). */
export async function sessionUser(c: Context<AppEnv>): Promise<UserRow | null> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (!secret) return null;
  return findUserByTokenHash(c.env.DB, await sha256Hex(secret), 'session');
}

/** Creates a session for `userId` and sets its cookie on the response. */
export async function startSession(c: Context<AppEnv>, userId: string): Promise<void> {
  const secret = randomToken(32);
  const now = new Date();
  await c.env.DB.prepare(`INSERT INTO auth_tokens (token_hash, user_id, kind, created_at, expires_at) VALUES (?1, ?2, 'session', ?3, ?4)`)
    .bind(await sha256Hex(secret), userId, now.toISOString(), new Date(now.getTime() + SESSION_TTL_S * 1000).toISOString())
    .run();
  setCookie(c, SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: cookieSecure(c.req.url),
    path: '/',
    maxAge: SESSION_TTL_S,
  });
}

/** Revokes the request's session (if any) and clears the cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (secret) await revokeToken(c.env.DB, await sha256Hex(secret), new Date());
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: cookieSecure(c.req.url), httpOnly: true, sameSite: 'Strict' });
}

/**
 * Housekeeping (housekeeping.ts): removes web sessions that expired or were signed out before `now`.
 * Seeded sessions (no expiry, never revoked) stay. Returns the number of rows removed.
 */
export async function purgeEndedSessions(db: D1Database, now: Date): Promise<number> {
  const r = await db
    .prepare(`DELETE FROM auth_tokens WHERE kind = 'session' AND ((expires_at IS NOT NULL AND expires_at < ?1) OR revoked_at IS NOT NULL)`)
    .bind(now.toISOString())
    .run();
  return r.meta.changes;
}
