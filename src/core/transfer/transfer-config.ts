/**
 * Every budget of the upload's recovery in one typed record (issue 9 "one recovery policy"). The engine, the
 * per-file transfer, multipart, the intent broker, file-prep and the closing listing check read their limits
 * from here; `recovery.ts` is the one place that decides what a failure leads to. Units: counts are tries
 * *after* a failure (the first try is free), times are ms.
 */

export interface TransferConfig {
  /** Tries in all for one request that meets transient failures, first try included (`--retries`, SPEC default 5). */
  attempts: number;
  /** Backoff base, ms (SPEC/issue 3: 0.5 s); full jitter, doubling per retry … */
  baseMs: number;
  /** … up to this cap, ms (30 s). */
  capMs: number;
  /** 429 answers one request may wait through (`Retry-After`, else 1 s) before giving up. */
  rateLimitWaits: number;
  /** SPEC "Errors": a signed URL refused (PUT 403/410) is renewed at most this often — per URL (a PUT, or one part). */
  urlRenewals: number;
  /** SPEC "Errors": finalize 409 → upload again, at most this often per file (a broken server cannot loop us). */
  reuploads: number;
  /** A file that changed during its upload (or the store saw other bytes: 413/422) is read again this often. */
  rereads: number;
  /** Hash passes until the file is the same before and after (a file still being written). */
  hashPasses: number;
  /**
   * The cap over all of the above for one file: every retry, rate-limit wait, URL renewal, re-upload and re-read
   * of any step of the file counts one, so `--retries 5` bounds a request and this bounds the file. Waits for
   * the network (offline gate) are not counted: `offlineWaitMs` bounds them by time.
   */
  fileAttempts: number;
  /** SPEC "Offline is a state": how long one offline spell may last, ms (Infinity: watch); undefined = no offline state. */
  offlineWaitMs?: number;
  /** First wait while offline, ms; doubles per try of one request … */
  offlineBaseMs: number;
  /** … up to this, ms: the CLI notices the API's return within this time. */
  offlineCapMs: number;
  /** SPEC: a finalized file is listed within 10 s — how long the closing check polls the list, ms … */
  listingDeadlineMs: number;
  /** … and the pause between two looks, ms. */
  listingPollMs: number;
}

/** The default of `upload --offline-wait` (SPEC: 10 minutes), ms; `watch` waits without limit. */
export const DEFAULT_OFFLINE_WAIT_MS = 10 * 60_000;

export const DEFAULT_TRANSFER: Readonly<TransferConfig> = Object.freeze({
  attempts: 5,
  baseMs: 500,
  capMs: 30_000,
  rateLimitWaits: 20,
  urlRenewals: 2,
  reuploads: 2,
  rereads: 2,
  hashPasses: 3,
  fileAttempts: 24,
  offlineWaitMs: undefined,
  offlineBaseMs: 1000,
  offlineCapMs: 10_000,
  listingDeadlineMs: 10_000,
  listingPollMs: 500,
});

/** The budget of one request (what `--retries` sets); the rest of TransferConfig falls back to the defaults. */
export type RetryPolicy = Pick<TransferConfig, 'attempts' | 'baseMs' | 'capMs' | 'rateLimitWaits'>;

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: DEFAULT_TRANSFER.attempts,
  baseMs: DEFAULT_TRANSFER.baseMs,
  capMs: DEFAULT_TRANSFER.capMs,
  rateLimitWaits: DEFAULT_TRANSFER.rateLimitWaits,
};

/** A full config from the defaults and any overrides (e.g. the engine's `retry` and `offlineWaitMs` options). */
export function transferConfig(...over: (Partial<TransferConfig> | undefined)[]): TransferConfig {
  const out: TransferConfig = { ...DEFAULT_TRANSFER };
  for (const o of over) {
    if (!o) continue;
    for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
