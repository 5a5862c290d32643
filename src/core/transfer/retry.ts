/**
 * The one retry policy of the CLI (SPEC "Errors"): exponential backoff with full jitter for network
 * errors, resets, 5xx, garbage answers and stalled transfers; `Retry-After` honoured for 429.
 * Every request of the engine goes through `withRetry`.
 */
import { type ApiError, isApiError } from '../../api/errors.js';
import type { Clock } from './clock.js';
import { isUnreachable, type OfflineGate } from './offline.js';

export interface RetryPolicy {
  /** Tries in all for transient failures (first try included). */
  attempts: number;
  /** Backoff base in ms (SPEC/issue 3: 0.5 s). */
  baseMs: number;
  /** Backoff cap in ms (30 s). */
  capMs: number;
  /** How many 429 answers one call may wait through before giving up. */
  rateLimitWaits: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, capMs: 30_000, rateLimitWaits: 20 };

/** Full-jitter delay for retry number `n` (0-based): uniform in [0, min(cap, base·2^n)] ms. */
export function backoffMs(n: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.capMs, policy.baseMs * 2 ** n));
}

export interface RetryContext {
  policy: RetryPolicy;
  clock: Clock;
  signal?: AbortSignal;
  /** Told before each wait: why, and for how long (ms). */
  onRetry?: (err: ApiError, waitMs: number, attempt: number) => void;
  /** SPEC "Offline is a state": unreachable hosts wait here, not counted as tries (see offline.ts). */
  offline?: OfflineGate;
}

/**
 * Runs `fn` until it succeeds, a non-transient error occurs, or the attempts are spent.
 * Throws the last error (an ApiError for HTTP/network failures; aborts come through as kind 'aborted').
 */
export async function withRetry<T>(fn: () => Promise<T>, ctx: RetryContext): Promise<T> {
  let transientTries = 0;
  let rateWaits = 0;
  let offlineTries = 0;
  for (;;) {
    try {
      const out = await fn();
      ctx.offline?.reachable();
      return out;
    } catch (err) {
      if (!isApiError(err) || err.kind === 'aborted' || ctx.signal?.aborted) throw err;
      if (ctx.offline && isUnreachable(err)) {
        const wait = ctx.offline.unreachable(offlineTries++);
        if (wait !== undefined) {
          await ctx.clock.sleep(wait, ctx.signal);
          continue;
        }
      } else if (err.kind === 'http' || err.kind === 'protocol') {
        ctx.offline?.reachable(); // an answer came back: the host is reachable
      }
      let waitMs: number;
      if (err.status === 429) {
        if (++rateWaits > ctx.policy.rateLimitWaits) throw err;
        waitMs = err.retryAfterMs ?? 1000;
      } else if (err.transient) {
        if (++transientTries >= ctx.policy.attempts) throw err;
        waitMs = backoffMs(transientTries - 1, ctx.policy);
      } else {
        throw err;
      }
      ctx.onRetry?.(err, waitMs, transientTries + rateWaits);
      await ctx.clock.sleep(waitMs, ctx.signal);
    }
  }
}
