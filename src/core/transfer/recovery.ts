/**
 * The one recovery policy of the upload (issue 9; SPEC "Errors", "Offline is a state"): `classify(error, context)`
 * says what a failure leads to — retry the same request after a backoff, wait for the rate limit, wait for the
 * network, renew the signed URL, upload the file again, read the file again, give up on this file, or stop the
 * run (or the order). Budgets come from one TransferConfig (transfer-config.ts); the steps only carry out the
 * action they are given (retry.ts runs the request-level ones, file-transfer.ts and multipart.ts the others).
 * Modelled on rclone's fserrors.ShouldRetry + lib/pacer and tus-js-client's shouldRetry.
 *
 * Budgets do not multiply: every recovery of any step of one file is charged to that file's FileAttempts, which
 * stops at `fileAttempts`; waits for the network are bounded by time (the offline gate), not counted.
 * A decision is made once per error object and file: a step that catches an error a request already judged
 * (withRetry → the step) gets that decision, not a second charge. Bound: a file meets at most `fileAttempts` +
 * (its requests in flight at once: 1, or PARTS_IN_FLIGHT for parts) failed calls (test/core/recovery-cap.test.ts).
 */
import { type ApiError, isApiError } from '../../api/errors.js';
import { FatalStop, FileProblem, TransferAborted } from './failures.js';
import { fsProblem } from './file-prep.js';
import type { OfflineGate } from './offline.js';
import type { TransferConfig } from './transfer-config.js';

/** Where in a file's transfer the failure happened. 'request' = a request outside any file (tests, checks). */
export type Step = 'prepare' | 'intent' | 'put' | 'part' | 'parts-urls' | 'complete' | 'unchanged' | 'finalize' | 'request';

export type RecoveryAction =
  /** Send the same request again after `waitMs` (full-jitter backoff); `attempt` counts this request's waits. */
  | { kind: 'retry'; waitMs: number; attempt: number }
  /** 429: wait `Retry-After` (else 1 s), then send it again. */
  | { kind: 'rate-limit'; waitMs: number; attempt: number }
  /** The host cannot be reached: wait `waitMs` at the offline gate (not counted as a try). */
  | { kind: 'wait-network'; waitMs: number }
  /** The signed URL was refused (403/410): ask for a new one (a new intent, or new part URLs). */
  | { kind: 'renew-url' }
  /** The upload is lost (finalize 409, a saved multipart upload the server forgot): new intent, send again. */
  | { kind: 'upload-again' }
  /** The bytes sent are not the bytes hashed (file changed, 413/422 from the store): hash again, send again. */
  | { kind: 'read-again' }
  /** This file fails with `error` (mapped by failureFrom); the others go on. */
  | { kind: 'give-up'; error: unknown }
  /** 'run': 401 or a fatal stop — everyone stops; 'order': 403 ORDER_FORBIDDEN at intent; 'aborted': Ctrl-C. */
  | { kind: 'stop-run'; scope: 'run' | 'order' | 'aborted'; error: unknown };

/** The tries of one request so far (withRetry keeps one record per call). */
export interface RequestTries {
  transient: number;
  rateWaits: number;
  offline: number;
}

/** What one file has spent on recovery, shared by all its steps (issue 9: a total cap per file). */
export class FileAttempts {
  /** Recoveries charged in all (retries, rate-limit waits, renewals, re-uploads, re-reads). */
  total = 0;
  reuploads = 0;
  rereads = 0;
  private readonly renewals = new Map<string, number>();

  constructor(readonly cap: number) {}

  /** Charges one recovery; false when the file's cap is reached. */
  take(): boolean {
    if (this.total >= this.cap) return false;
    this.total++;
    return true;
  }

  renewalsOf(url: string): number {
    return this.renewals.get(url) ?? 0;
  }

  renewed(url: string): number {
    const n = this.renewalsOf(url) + 1;
    this.renewals.set(url, n);
    return n;
  }
}

export interface RecoveryContext {
  config: TransferConfig;
  step: Step;
  /** Present where the failed request may be sent again as it is (inside withRetry). */
  request?: RequestTries;
  file?: FileAttempts;
  offline?: OfflineGate;
  signal?: AbortSignal;
  /** Which signed URL failed, for its renewal budget: 'put' or 'part 3'. */
  url?: string;
  /** The multipart upload was continued from the manifest (an earlier run's). */
  resumed?: boolean;
  random?: () => number;
}

/**
 * Decisions already made, per error object and per file (one error object can reach several files: a whole
 * finalize batch rejected with one error). Recoveries are handed out once, terminal decisions stay.
 */
const decided = new WeakMap<object, WeakMap<object, RecoveryAction>>();
const NO_FILE = {};

/** Decides (and charges to `ctx.file`) what `err` leads to. Also tells the offline gate when an answer came back. */
export function classify(err: unknown, ctx: RecoveryContext): RecoveryAction {
  const mine = typeof err === 'object' && err !== null ? decided.get(err) : undefined;
  const key = ctx.file ?? NO_FILE;
  const prior = mine?.get(key);
  if (prior) {
    if (prior.kind !== 'give-up' && prior.kind !== 'stop-run') mine!.delete(key);
    return prior;
  }
  const stop = stopOf(err, ctx);
  if (stop) return stop;
  if (ctx.request && isApiError(err)) {
    const again = requestAction(err, ctx, ctx.request);
    if (again) return again;
  }
  const action = stepAction(err, ctx);
  if (typeof err === 'object' && err !== null) {
    if (!decided.has(err)) decided.set(err, new WeakMap());
    decided.get(err)!.set(key, action);
  }
  return action;
}

function stopOf(err: unknown, ctx: RecoveryContext): RecoveryAction | undefined {
  if (isApiError(err) && err.code === 'ORDER_FORBIDDEN') return { kind: 'stop-run', scope: 'order', error: err };
  if (err instanceof FatalStop || (isApiError(err) && err.status === 401)) return { kind: 'stop-run', scope: 'run', error: err };
  if (isAborted(err) || ctx.signal?.aborted) return { kind: 'stop-run', scope: 'aborted', error: err };
  return undefined;
}

/** Retry, rate-limit wait or network wait for a request; undefined when the request's own budget is spent. */
function requestAction(err: ApiError, ctx: RecoveryContext, tries: RequestTries): RecoveryAction | undefined {
  if (ctx.offline && isUnreachable(err)) {
    const left = ctx.offline.unreachable({ code: err.code, host: err.host });
    if (left !== undefined) return { kind: 'wait-network', waitMs: Math.min(networkWaitMs(tries.offline++, ctx.config, ctx.random), left) };
  } else if (err.kind === 'http' || err.kind === 'protocol') {
    ctx.offline?.reachable(); // an answer came back: the host is reachable
  }
  if (err.status === 429) {
    if (tries.rateWaits >= ctx.config.rateLimitWaits || (ctx.file && !ctx.file.take())) return undefined;
    tries.rateWaits++;
    return { kind: 'rate-limit', waitMs: rateLimitWaitMs(err), attempt: tries.transient + tries.rateWaits };
  }
  if (isTransient(err)) {
    if (tries.transient + 1 >= ctx.config.attempts || (ctx.file && !ctx.file.take())) return undefined;
    tries.transient++;
    return { kind: 'retry', waitMs: backoffMs(tries.transient - 1, ctx.config, ctx.random), attempt: tries.transient + tries.rateWaits };
  }
  return undefined;
}

const TRANSFER_STEPS: ReadonlySet<Step> = new Set<Step>(['put', 'part', 'parts-urls', 'complete', 'unchanged']);

function stepAction(err: unknown, ctx: RecoveryContext): RecoveryAction {
  const file = ctx.file;
  const giveUp = (error: unknown = err): RecoveryAction => ({ kind: 'give-up', error: isApiError(error) && error.kind === 'file' ? fsProblem(error) : error });
  if (!file) return giveUp();
  const status = isApiError(err) && err.kind === 'http' ? err.status : 0;
  if (ctx.step === 'parts-urls' && ctx.resumed && (status === 403 || status === 404 || status === 410)) {
    // The saved multipart upload is gone on the server (expired, aborted): start a fresh one. Once per file, as
    // the manifest's record is dropped with it.
    return file.take() ? { kind: 'upload-again' } : giveUp();
  }
  if (TRANSFER_STEPS.has(ctx.step) && isChange(err)) {
    // SPEC: a file changed on disk is hashed and uploaded again, never registered torn.
    if (file.rereads >= ctx.config.rereads || !file.take()) return giveUp();
    file.rereads++;
    return { kind: 'read-again' };
  }
  if ((ctx.step === 'put' || ctx.step === 'part') && (status === 403 || status === 410)) {
    const url = ctx.url ?? ctx.step;
    if (file.renewalsOf(url) >= ctx.config.urlRenewals || !file.take()) {
      return giveUp(new FileProblem({ code: 'URL_REJECTED', detail: (err as ApiError).message }));
    }
    file.renewed(url);
    return { kind: 'renew-url' };
  }
  if (ctx.step === 'finalize' && isApiError(err) && err.status === 409) {
    // SPEC: finalize 409 → back to waiting, upload again (bounded so a broken server cannot loop us).
    if (file.reuploads >= ctx.config.reuploads || !file.take()) return giveUp();
    file.reuploads++;
    return { kind: 'upload-again' };
  }
  return giveUp();
}

/**
 * Transport codes that mean "cannot reach the host at all" (SPEC "Offline is a state"), as opposed to a
 * connection cut mid-request (ECONNRESET), which stays an ordinary transient error and counts as a try.
 */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True for an ApiError of kind 'network' whose code says the host could not be reached (see UNREACHABLE_CODES). */
export function isUnreachable(err: unknown): boolean {
  return isApiError(err) && err.kind === 'network' && UNREACHABLE_CODES.has(err.code);
}

/**
 * The wait before try `n` (0-based) of a request while offline, ms: offlineBaseMs doubling up to offlineCapMs
 * (the CLI notices the API's return within the cap), half fixed and half jitter so waiting requests do not all
 * knock at the same instant.
 */
export function networkWaitMs(n: number, config: Pick<TransferConfig, 'offlineBaseMs' | 'offlineCapMs'>, random: () => number = Math.random): number {
  const wait = Math.min(config.offlineCapMs, config.offlineBaseMs * 2 ** Math.min(n, 20));
  return Math.floor(wait / 2 + random() * (wait / 2));
}

/** Ctrl-C and stops: the engine's TransferAborted, or the HTTP client's ApiError of kind 'aborted'. */
export function isAborted(err: unknown): boolean {
  return err instanceof TransferAborted || (isApiError(err) && err.kind === 'aborted');
}

/**
 * Network errors, stalls, 5xx and garbage answers (not JSON) are worth another try (SPEC "Errors"); 429 is apart.
 * A JSON answer that breaks the contract (BAD_RESPONSE with `details.field`, api/expect.ts) is not: it comes
 * back the same.
 */
export function isTransient(err: unknown): boolean {
  if (!isApiError(err)) return false;
  return err.kind === 'network' || err.kind === 'stalled' || (err.kind === 'protocol' && err.details?.field === undefined) || err.status >= 500;
}

/** Worth asking again later (an intent a batch could not give): transient, or rate-limited. */
export function isRetryable(err: unknown): boolean {
  return isTransient(err) || (isApiError(err) && err.status === 429);
}

/** How long a 429 asks us to wait, ms: `Retry-After`, else 1 s. */
export function rateLimitWaitMs(err: ApiError): number {
  return err.retryAfterMs ?? 1000;
}

/** An older server without a batch route (404/405): fall back to single requests from then on. */
export function isRouteMissing(err: unknown): boolean {
  return isApiError(err) && err.kind === 'http' && (err.status === 404 || err.status === 405);
}

/** Errors after which a multipart upload cannot be continued by a re-run (abort it, drop the record). */
export function endsMultipart(err: unknown): boolean {
  if (err instanceof FileProblem) return true;
  if (!isApiError(err) || err.kind !== 'http') return false;
  return err.status !== 401 && err.status !== 429 && err.status < 500;
}

/** The file changed, or the server saw other bytes than we hashed (FILE_CHANGED, 422, 413 from the store). */
function isChange(err: unknown): boolean {
  if (err instanceof FileProblem) return err.failure.code === 'FILE_CHANGED';
  return isApiError(err) && (err.code === 'FILE_CHANGED' || err.status === 422 || err.status === 413);
}

/** Full-jitter delay for retry number `n` (0-based): uniform in [0, min(cap, base·2^n)] ms. */
export function backoffMs(n: number, policy: Pick<TransferConfig, 'baseMs' | 'capMs'>, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.capMs, policy.baseMs * 2 ** n));
}
