/**
 * Token bucket, pure: capacity = max(1, rate) tokens, refilled continuously at `rate` tokens per second.
 * SPEC: "more than 3 intents per second per user" → 429; a burst of 3 passes, the 4th within the same
 * second waits ~1/3 s.
 */

export interface BucketState {
  /** Tokens available at `atMs` (fractional). */
  tokens: number;
  /** Epoch ms of the last update. */
  atMs: number;
}

export interface TakeResult {
  ok: boolean;
  /** When !ok: ms until one token is available. */
  retryAfterMs: number;
  state: BucketState;
}

/**
 * Takes one token at time `nowMs`; `state` null = a fresh (full) bucket. `burst` overrides the capacity
 * (per-IP limits: e.g. 10 device codes at once, then one every 6 s).
 */
export function takeToken(state: BucketState | null, nowMs: number, rate: number, burst?: number): TakeResult {
  const capacity = Math.max(1, burst ?? rate);
  const prev = state ?? { tokens: capacity, atMs: nowMs };
  const elapsed = Math.max(0, nowMs - prev.atMs) / 1000;
  const tokens = Math.min(capacity, prev.tokens + elapsed * rate);
  if (tokens >= 1) return { ok: true, retryAfterMs: 0, state: { tokens: tokens - 1, atMs: nowMs } };
  return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / rate) * 1000), state: { tokens, atMs: nowMs } };
}

/** Retry-After header value: whole seconds, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
