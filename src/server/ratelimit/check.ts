/**
 * Worker side of the intent rate limit: asks the user's IntentLimiter for a token.
 * Throws HttpError 429 RATE_LIMITED with `Retry-After` (whole seconds, >= 1) when none is left.
 * rate 0 = unlimited (no call).
 */
import type { Env } from '../env.js';
import { HttpError } from '../lib/errors.js';
import type { TakeResponse } from './intent-limiter.js';
import { retryAfterSeconds } from './token-bucket.js';

export async function checkIntentRate(env: Env, userId: string, rate: number): Promise<void> {
  if (rate <= 0) return;
  const stub = env.INTENT_LIMITER.get(env.INTENT_LIMITER.idFromName(userId));
  const res = await stub.fetch(`https://limiter/take?rate=${rate}`, { method: 'POST' });
  const body = (await res.json()) as TakeResponse;
  if (body.ok) return;
  const secs = retryAfterSeconds(body.retry_after_ms ?? 1000);
  throw new HttpError(
    'RATE_LIMITED',
    `more than ${rate} upload intents per second; retry after ${secs} s`,
    { retry_after_seconds: secs, limit_per_second: rate },
    { 'Retry-After': String(secs) },
  );
}
