/**
 * Per-client-IP rate limits (SPEC v2 "Hardening": "Unauthenticated routes (device code creation, the approval
 * page, token polling) and requests with an unknown token are rate-limited per client IP (429 with
 * `Retry-After`)"). The same Durable Object token bucket as the intent limit (intent-limiter.ts), one object
 * per (kind, IP).
 *
 * The client IP is `CF-Connecting-IP` (set by Cloudflare in production; under Miniflare set from the peer
 * address when the client did not send one).
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Env } from '../env.js';
import type { AppEnv } from '../lib/app-env.js';
import { HttpError } from '../lib/errors.js';
import type { TakeResponse } from './intent-limiter.js';
import { retryAfterSeconds } from './token-bucket.js';

/**
 * The limits per kind: `burst` requests at once, then `rate` per second. Generous for people (a login polls
 * every 5 s; a typo on the approval page is retried a few times), tight for scripts guessing user codes or
 * tokens (issue 10: "47 user-code guesses/s and 200 device codes in 2.3 s pass unthrottled").
 */
export const IP_LIMITS = {
  /** POST /api/auth/device/code: 10 at once, then one every 6 s. */
  'device-code': { rate: 10 / 60, burst: 10 },
  /** POST /api/auth/device/token: 20 at once, then 1 per second. */
  'device-token': { rate: 1, burst: 20 },
  /** GET/POST /device (the approval page, where user codes are typed): 20 at once, then one every 2 s. */
  approval: { rate: 0.5, burst: 20 },
  /** Requests with an unknown, revoked or malformed token: 30 at once, then 1 per second. */
  'bad-token': { rate: 1, burst: 30 },
} as const;

export type IpLimitKind = keyof typeof IP_LIMITS;

/** The client's IP address, or "unknown" (all such requests share one bucket). */
export function clientIp(c: Context<AppEnv>): string {
  return c.req.header('CF-Connecting-IP')?.trim() || 'unknown';
}

/** Takes a token for (kind, ip); throws HttpError 429 RATE_LIMITED with `Retry-After` when none is left. */
export async function checkIpRate(env: Env, ip: string, kind: IpLimitKind): Promise<void> {
  const { rate, burst } = IP_LIMITS[kind];
  const stub = env.INTENT_LIMITER.get(env.INTENT_LIMITER.idFromName(`ip:${kind}:${ip}`));
  const res = await stub.fetch(`https://limiter/take?rate=${rate}&burst=${burst}`, { method: 'POST' });
  const body = (await res.json()) as TakeResponse;
  if (body.ok) return;
  const secs = retryAfterSeconds(body.retry_after_ms ?? 1000);
  throw new HttpError(
    'RATE_LIMITED',
    `too many requests from ${ip} (${kind}); retry after ${secs} s`,
    { retry_after_seconds: secs, kind },
    { 'Retry-After': String(secs) },
  );
}

/** Middleware: one token of `kind` per request, keyed by the client IP. */
export function ipRateLimit(kind: IpLimitKind) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await checkIpRate(c.env, clientIp(c), kind);
    await next();
  });
}
