/**
 * The request loop: runs one call and carries out the request-level actions recovery.ts decides — the same
 * request again after a full-jitter backoff, the wait a 429 asks for (`Retry-After`), the wait for the network
 * (offline gate). Every other action (renew the URL, upload again, read again, give up, stop) is the step's: the
 * error is thrown to it, with the decision already made (recovery.ts hands it out once). The policy itself —
 * what is transient, how long to wait, which budget — lives in recovery.ts and transfer-config.ts, not here.
 */
import type { ApiError } from '../../api/errors.js';
import type { Clock } from './clock.js';
import type { OfflineGate } from './offline.js';
import { classify, type FileAttempts, type RecoveryAction, type RequestTries, type Step } from './recovery.js';
import { transferConfig, type RetryPolicy, type TransferConfig } from './transfer-config.js';

export { backoffMs } from './recovery.js';
export { DEFAULT_RETRY, type RetryPolicy } from './transfer-config.js';

export interface RetryContext {
  /** The budgets: a request's (RetryPolicy) or the whole TransferConfig; missing fields are the defaults. */
  policy: RetryPolicy | TransferConfig;
  clock: Clock;
  signal?: AbortSignal;
  /** Told before each retry or rate-limit wait: why, and for how long (ms). */
  onRetry?: (err: ApiError, waitMs: number, attempt: number) => void;
  /** SPEC "Offline is a state": unreachable hosts wait here, not counted as tries (see offline.ts). */
  offline?: OfflineGate;
  /** The step of the file this request serves, and the file's shared attempts (issue 9: cap per file). */
  step?: Step;
  file?: FileAttempts;
  /** The signed URL's budget key ('put', 'part 3') and whether a saved multipart upload is continued. */
  url?: string;
  resumed?: boolean;
}

/** recovery.ts's decision for `err` in this request context's step (for the step's own catch). */
export function decide(err: unknown, ctx: RetryContext): RecoveryAction {
  return classify(err, { ...ctx, config: transferConfig(ctx.policy), step: ctx.step ?? 'request' });
}

/**
 * Runs `fn` until it succeeds or recovery.ts says anything but "again". Throws the last error as it came
 * (ApiError for HTTP/network failures; aborts as TransferAborted or ApiError kind 'aborted').
 */
export async function withRetry<T>(fn: () => Promise<T>, ctx: RetryContext): Promise<T> {
  const config = transferConfig(ctx.policy);
  const request: RequestTries = { transient: 0, rateWaits: 0, offline: 0 };
  for (;;) {
    try {
      const out = await fn();
      ctx.offline?.reachable();
      return out;
    } catch (err) {
      const action = classify(err, { ...ctx, config, step: ctx.step ?? 'request', request });
      if (action.kind === 'retry' || action.kind === 'rate-limit') ctx.onRetry?.(err as ApiError, action.waitMs, action.attempt);
      else if (action.kind !== 'wait-network') throw err;
      await ctx.clock.sleep(action.waitMs, ctx.signal);
    }
  }
}
