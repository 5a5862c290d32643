/**
 * Where the engine's finalizes go (issue 12 "the engine confirms in batches through finalize-batch";
 * SPEC v2 "POST /api/uploads/finalize-batch"). Files that finished their transfer are collected and
 * confirmed up to MAX_BATCH_FINALIZE at a time in one request. A file waits at most `windowMs` (default
 * FINALIZE_WINDOW_MS = 250 ms, issue 15's bound) for others to join its batch; a full batch goes at once. Servers without the route (404/405) get single finalizes from then on, as does an API without
 * `finalizeBatch` (unit-test stubs).
 *
 * Issue 15 ("batches of up to 50 as files finish, no file's `registered` delayed more than ~250 ms"):
 * - when the engine says no other file of the run can join (every file in flight already waits for its
 *   confirmation), the batch goes at once: the last files of a run, or a lone file, wait for nothing;
 * - while a batch request is on its way, the files finishing meanwhile gather for the next one, which
 *   goes when that answer is in (or 50 have gathered, or the oldest has waited HOLD_MAX_MS — a slow or
 *   hung request does not hold the others for long). So the run confirms in about one request per round
 *   trip, not one per window, and a file's own wait is the window or the request ahead of it.
 *
 * The batcher does not retry: a whole-batch failure rejects every file of the batch, and each file's
 * own retry (withRetry, as recovery.ts decides) submits it again — into the next batch. A per-item error rejects
 * that file only.
 *
 * The closing check (issue 15, far link: one round trip less at the end of a run): with {@link ClosingHooks},
 * a batch sent when no file of the run is still to ask for its confirmation asks the server for the run's
 * orders' file ids and stacks in the same request (`closing_check`). The answer of the last such batch sent is
 * {@link FinalizeBatcher.closing}; whether it covers the run is the closing check's to judge (a file confirmed
 * after it, or a batch that crossed it, is simply not among its ids).
 */
import { MAX_BATCH_FINALIZE, type ClosingCheckEntry, type FinalizeRequest, type FinalizeResponse } from '../../contract/api.js';
import { MAX_CLOSING_ORDERS } from '../../contract/limits.js';
import { ApiError } from '../../api/errors.js';
import { TransferAborted } from './failures.js';
import { isRouteMissing } from './recovery.js';

/**
 * Default wait for a batch to fill, ms (issue 15: no file's `registered` delayed by more than ~250 ms). The
 * whole bound: the fewer requests, the better for the server and a far link (120 files on loopback: 4).
 */
export const FINALIZE_WINDOW_MS = 250;
/** Longest a file waits behind a batch request on its way before it goes in a request of its own, ms (a hung request must not hold the run; a healthy one answers within a round trip or two). */
export const HOLD_MAX_MS = 3000;

export interface FinalizeSource {
  finalize(body: FinalizeRequest, signal?: AbortSignal): Promise<FinalizeResponse>;
  /**
   * One answer or ApiError per item; throws ApiError 404/405 on servers without the route. With `closing`
   * (order ids), the answer's closing check rides on the array when the server sent one.
   */
  finalizeBatch?(
    files: FinalizeRequest[],
    signal?: AbortSignal,
    closing?: readonly string[],
  ): Promise<(FinalizeResponse | ApiError)[] & { closing_check?: ClosingCheckEntry[] }>;
}

/** What the batcher asks the engine to know when a batch is the run's last (see the file comment). */
export interface ClosingHooks {
  /** Files of the run that have not yet asked for their confirmation (and are not done): 0 = none is to come. */
  filesToConfirm(): number;
  /** The run's orders (the closing check is asked only for 1…MAX_CLOSING_ORDERS of them). */
  orders(): readonly string[];
}

interface Waiter {
  body: FinalizeRequest;
  /** Date.now() when it was queued. */
  at: number;
  resolve: (r: FinalizeResponse) => void;
  reject: (e: unknown) => void;
}

export class FinalizeBatcher {
  private queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private batchSupported: boolean;
  /** Requests sent, by kind (diagnostics and tests). */
  readonly sent = { batch: 0, single: 0 };

  /** Files in batch requests on their way (sent, no answer yet). */
  private sending = 0;
  /** Batch requests on their way. */
  private outstanding = 0;
  /** Batch requests sent so far (their order), and the one whose closing check {@link closing} holds. */
  private sentSeq = 0;
  private closingSeq = 0;
  private closingAnswer?: ClosingCheckEntry[];

  /**
   * @param filesInFlight how many files the engine has between intent and finalize right now (those
   *   queued or sending here included); unset = always wait the window.
   */
  constructor(
    private readonly api: FinalizeSource,
    private readonly windowMs = FINALIZE_WINDOW_MS,
    private readonly filesInFlight?: () => number,
    private readonly closingHooks?: ClosingHooks,
  ) {
    this.batchSupported = typeof api.finalizeBatch === 'function';
  }

  /**
   * The closing check answered with the last batch sent that asked for one (issue 15), one entry per order;
   * undefined when none was asked for or the server sent none.
   */
  get closing(): ClosingCheckEntry[] | undefined {
    return this.closingAnswer;
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
        at: Date.now(),
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(w);
      this.schedule();
    });
  }

  /** Sends now, or arms the timer for when the oldest queued file must go (see the file comment). */
  private schedule(): void {
    if (this.queue.length === 0) return;
    const age = Date.now() - this.queue[0].at;
    const wait =
      this.queue.length >= MAX_BATCH_FINALIZE || !this.othersComing() ? 0 : this.outstanding > 0 ? HOLD_MAX_MS - age : this.windowMs - age;
    if (wait <= 0) {
      this.flush();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, wait);
  }

  /** Whether a file not yet here may still join the batch (see the constructor). */
  private othersComing(): boolean {
    return this.filesInFlight === undefined || this.filesInFlight() > this.queue.length + this.sending;
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
    let answers: (FinalizeResponse | ApiError)[] & { closing_check?: ClosingCheckEntry[] };
    const seq = ++this.sentSeq;
    const closing = this.closingOrders();
    try {
      this.sent.batch++;
      this.sending += group.length;
      this.outstanding++;
      answers = await this.api.finalizeBatch!(group.map((w) => w.body), undefined, closing).finally(() => {
        this.sending -= group.length;
        this.outstanding--;
        queueMicrotask(() => this.schedule()); // the files that gathered meanwhile go now
      });
    } catch (err) {
      if (isRouteMissing(err)) {
        this.batchSupported = false; // an older server: single finalizes from now on
        for (const w of group) this.single(w.body).then(w.resolve, w.reject);
        return;
      }
      for (const w of group) w.reject(err);
      return;
    }
    if (closing && answers.closing_check && seq > this.closingSeq) {
      this.closingSeq = seq;
      this.closingAnswer = answers.closing_check;
    }
    group.forEach((w, i) => {
      const a = answers[i];
      if (a instanceof ApiError) w.reject(a);
      else w.resolve(a);
    });
  }

  /** The orders to ask a closing check of with the batch going now: only when no file of the run is still to ask for its confirmation. */
  private closingOrders(): readonly string[] | undefined {
    if (!this.closingHooks || this.closingHooks.filesToConfirm() > 0) return undefined;
    const orders = this.closingHooks.orders();
    return orders.length > 0 && orders.length <= MAX_CLOSING_ORDERS ? orders : undefined;
  }
}

function aborted(): TransferAborted {
  return new TransferAborted('POST /api/uploads/finalize-batch');
}
