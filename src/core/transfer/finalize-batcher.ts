/**
 * Where the engine's finalizes go (issue 12 "the engine confirms in batches through finalize-batch";
 * SPEC v2 "POST /api/uploads/finalize-batch"). Files that finished their transfer are collected and
 * confirmed up to MAX_BATCH_FINALIZE at a time in one request. A file waits at most `windowMs` (default
 * 100 ms, well under the ~250 ms the issue allows) for others to join its batch; a full batch goes at
 * once. Servers without the route (404/405) get single finalizes from then on, as does an API without
 * `finalizeBatch` (unit-test stubs).
 *
 * The batcher does not retry: a whole-batch failure rejects every file of the batch, and each file's
 * own retry (withRetry, as recovery.ts decides) submits it again — into the next batch. A per-item error rejects
 * that file only.
 */
import { MAX_BATCH_FINALIZE, type FinalizeRequest, type FinalizeResponse } from '../../contract/api.js';
import { ApiError } from '../../api/errors.js';
import { TransferAborted } from './failures.js';
import { isRouteMissing } from './recovery.js';

/** Default wait for a batch to fill, ms. */
export const FINALIZE_WINDOW_MS = 100;

export interface FinalizeSource {
  finalize(body: FinalizeRequest, signal?: AbortSignal): Promise<FinalizeResponse>;
  /** One answer or ApiError per item; throws ApiError 404/405 on servers without the route. */
  finalizeBatch?(files: FinalizeRequest[], signal?: AbortSignal): Promise<(FinalizeResponse | ApiError)[]>;
}

interface Waiter {
  body: FinalizeRequest;
  resolve: (r: FinalizeResponse) => void;
  reject: (e: unknown) => void;
}

export class FinalizeBatcher {
  private queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private batchSupported: boolean;
  /** Requests sent, by kind (diagnostics and tests). */
  readonly sent = { batch: 0, single: 0 };

  constructor(
    private readonly api: FinalizeSource,
    private readonly windowMs = FINALIZE_WINDOW_MS,
  ) {
    this.batchSupported = typeof api.finalizeBatch === 'function';
  }

  /** Finalizes one upload (batched when the server can); rejects with the item's ApiError. */
  finalize(body: FinalizeRequest, signal?: AbortSignal): Promise<FinalizeResponse> {
    if (!this.batchSupported) return this.single(body, signal);
    return new Promise<FinalizeResponse>((resolve, reject) => {
      if (signal?.aborted) return reject(aborted());
      // The listener is removed once the file has its answer: the engine's one stop signal serves every
      // file of the run, so listeners left behind would pile up (MaxListenersExceededWarning).
      const onAbort = (): void => {
        const i = this.queue.indexOf(w);
        if (i >= 0) this.queue.splice(i, 1);
        reject(aborted());
      };
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      const w: Waiter = {
        body,
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(w);
      if (this.queue.length >= MAX_BATCH_FINALIZE) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private single(body: FinalizeRequest, signal?: AbortSignal): Promise<FinalizeResponse> {
    this.sent.single++;
    return this.api.finalize(body, signal);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) void this.send(this.queue.splice(0, MAX_BATCH_FINALIZE));
  }

  private async send(group: Waiter[]): Promise<void> {
    if (!this.batchSupported) {
      for (const w of group) this.single(w.body).then(w.resolve, w.reject);
      return;
    }
    let answers: (FinalizeResponse | ApiError)[];
    try {
      this.sent.batch++;
      answers = await this.api.finalizeBatch!(group.map((w) => w.body));
    } catch (err) {
      if (isRouteMissing(err)) {
        this.batchSupported = false; // an older server: single finalizes from now on
        for (const w of group) this.single(w.body).then(w.resolve, w.reject);
        return;
      }
      for (const w of group) w.reject(err);
      return;
    }
    group.forEach((w, i) => {
      const a = answers[i];
      if (a instanceof ApiError) w.reject(a);
      else w.resolve(a);
    });
  }
}

function aborted(): TransferAborted {
  return new TransferAborted('POST /api/uploads/finalize-batch');
}
