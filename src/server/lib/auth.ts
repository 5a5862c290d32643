/**
 * Authentication middleware (SPEC "API"): the caller's credential is, in this order of precedence,
 * `Authorization: Bearer <device_token>`, header `X-Device-Token: <device_token>`, or cookie
 * `piximmo_session=<session>`. The first one present decides. D1 holds only SHA-256 hex of tokens.
 * Missing, unknown, revoked or expired → 401 UNAUTHENTICATED; unknown, revoked or malformed ones also take a
 * token of the caller's IP bucket (ratelimit/ip-limit.ts), so a guessing client gets 429 with Retry-After.
 * A write (POST, PUT, DELETE …) authenticated by the cookie must carry the page's own `Origin`, else 403
 * ORIGIN_FORBIDDEN (CSRF, lib/same-origin.ts).
 *
 * On success sets `c.var.user` ({id, name}) and `c.var.tokenHash` (for logout).
 */
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './app-env.js';
import { sha256Hex } from './crypto.js';
import { HttpError } from './errors.js';
import { findUserByTokenHash } from '../db/users.js';
import { checkIpRate, clientIp } from '../ratelimit/ip-limit.js';
import { assertSameOrigin, isSafeMethod } from './same-origin.js';

export const SESSION_COOKIE = 'piximmo_session';

/** The raw credential of the request, or null. */
export function credentialOf(headers: Headers, cookie: string | undefined): string | null {
  const auth = headers.get('Authorization');
  if (auth !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : '';
  }
  const dev = headers.get('X-Device-Token');
  if (dev !== null) return dev.trim();
  return cookie ?? null;
}

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const cred = credentialOf(c.req.raw.headers, getCookie(c, SESSION_COOKIE));
  if (cred === null) throw new HttpError('UNAUTHENTICATED', 'authentication required: send Authorization: Bearer <device_token>');
  if (cred === '') {
    await checkIpRate(c.env, clientIp(c), 'bad-token'); // SPEC v2 "Hardening": bad tokens are limited per IP
    throw new HttpError('UNAUTHENTICATED', 'malformed credential');
  }
  const tokenHash = await sha256Hex(cred);
  const user = await findUserByTokenHash(c.env.DB, tokenHash);
  if (!user) {
    await checkIpRate(c.env, clientIp(c), 'bad-token');
    throw new HttpError('UNAUTHENTICATED', 'unknown or revoked token; run `piximmo login`');
  }
  const viaCookie = c.req.header('Authorization') === undefined && c.req.header('X-Device-Token') === undefined;
  if (viaCookie && !isSafeMethod(c.req.method)) assertSameOrigin(c);
  c.set('user', user);
  c.set('tokenHash', tokenHash);
  await next();
});
