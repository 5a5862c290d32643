/**
 * CSRF defence for cookie-authenticated writes (SPEC "The web uploader": "Cookie-authenticated writes are
 * refused unless the `Origin` is the page's own"). The session cookie is SameSite=Strict, but "same site"
 * ignores ports and subdomains, so another page on the same host could still send it: the Origin header
 * (sent by browsers on every POST/PUT/DELETE, also same-origin) must equal the origin this request came
 * in on. A missing Origin is refused too. Bearer / X-Device-Token requests are not affected (a browser
 * never adds those by itself).
 */
import type { Context } from 'hono';
import type { AppEnv } from './app-env.js';
import { HttpError } from './errors.js';
import { requestOrigin } from './origin.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True when `method` changes nothing (no CSRF check needed). */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/**
 * True when the request's Origin header equals its own origin. Behind the local server's proxies the
 * forwarded host counts (as for signed URLs: lib/origin.ts), only with the local signer.
 */
export function isSameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header('Origin');
  if (!origin || origin === 'null') return false;
  const local = (c.env.SIGNER ?? 'local').toLowerCase() === 'local';
  const own = requestOrigin(c.req.raw, local);
  return origin === own || origin === new URL(c.req.url).origin;
}

/** Throws 403 ORIGIN_FORBIDDEN unless the Origin is the request's own. */
export function assertSameOrigin(c: Context<AppEnv>): void {
  if (isSameOrigin(c)) return;
  const origin = c.req.header('Origin') ?? null;
  throw new HttpError(
    'ORIGIN_FORBIDDEN',
    origin ? `cross-origin request from ${origin} refused (session cookies work from this site's own pages only)` : 'request without Origin refused (session cookies need it on writes)',
    { origin },
  );
}
