/**
 * Where the engine gets intents from (issue 5 "The intent ceiling"). At SPEC's 3 intents/s a shoot of
 * small files cannot go faster than 3 files/s with one intent per request, so the broker asks for the
 * intents of the next files in one batch request (`POST /api/uploads/intents`, up to 50, counted once by
 * the rate limit) and hands them out as the files' turns come. A batch is never larger than what will be
 * started within the signed URLs' lifetime, judged from the rate at which uploads start. Servers without
 * the batch route get single intents. All requests are paced (IntentPacer) and retried (withRetry); what is worth
 * asking again, the 429 back-off and the fallback are recovery.ts's rules.
 */
import { isExistingIntent, MAX_BATCH_INTENTS, type IntentRequest, type IntentResponse } from '../../contract/api.js';
import { ApiError, isApiError } from '../../api/errors.js';
import type { Clock } from './clock.js';
import { TransferAborted } from './failures.js';
import type { IntentPacer } from './intent-pacer.js';
import type { PlannedFile } from './events.js';
import { isRetryable, isRouteMissing, rateLimitWaitMs } from './recovery.js';
import { withRetry, type RetryContext } from './retry.js';

/** SPEC batch limit (seed 002 / issue 5): at most 50 files per batch request — the contract's one constant. */
export const MAX_BATCH = MAX_BATCH_INTENTS;
/** A prefetched intent is used only while its URL has at least this long left, ms. */
const FRESH_MARGIN_MS = 60_000;
/** Bytes of files a first batch carries before the start rate is known (issue 15). */
const FIRST_BATCH_BYTES = 16 * 1024 * 1024;
/**
 * The run's first batch request waits at most this long for more files to be prepared, ms — less when the
 * batch is full sooner (see `gather`).
 */
const FIRST_GATHER_MS = 50;
/** Lifetime of signed URLs assumed until the server says (SPEC: 5 minutes), ms. */
const DEFAULT_TTL_MS = 300_000;

export interface IntentSource {
  intent(body: IntentRequest, signal?: AbortSignal): Promise<IntentResponse>;
  /** Batch intents; resolves to one response or one ApiError per file, in order. Throws ApiError 404 when the server has no batch route. */
  intentBatch?(orderId: string, files: Omit<IntentRequest, 'order_id'>[], signal?: AbortSignal): Promise<(IntentResponse | ApiError)[]>;
}

/** A file waiting for its turn, with what its intent needs (checksum known). */
export interface Candidate {
  file: PlannedFile;
  body: IntentRequest;
}

type Slot = { res: IntentResponse; at: number } | { err: ApiError };

export class IntentBroker {
  private readonly cache = new Map<PlannedFile, Slot>();
  /** Files whose intent is being asked for in a batch right now (another file's request). */
  private readonly asked = new Map<PlannedFile, Promise<unknown>>();
  private readonly waiting = new Map<PlannedFile, Candidate>();
  /** Files inside get() with no intent yet, asked for first by whichever request goes next. */
  private readonly wanting = new Map<PlannedFile, Candidate>();
  /** The batch request (pacer wait included) of the file asking for the others right now. */
  private leading?: Promise<unknown>;
  private askedOnce = false;
  private readonly starts: number[] = [];
  private batchSupported: boolean;
  /** A background batch (prefetch) is on its way. */
  private prefetching = false;
  private ttlMs = DEFAULT_TTL_MS;
  /** Files the run will offer in all (engine.run); the first batch stops gathering once all are here. */
  private expected = Number.POSITIVE_INFINITY;
  /** Ends the first batch's gathering early (set while it gathers). */
  private gathered?: () => void;
  /**
   * Orders the server refused as a whole (403 ORDER_FORBIDDEN): every later file of the order gets that
   * answer at once instead of a paced request of its own (at 3 intents/s a 15-file shoot took 5 s to stop).
   */
  private readonly refused = new Map<string, ApiError>();

  constructor(
    private readonly api: IntentSource,
    private readonly pacer: IntentPacer,
    private readonly clock: Clock,
    private readonly concurrency: number,
  ) {
    this.batchSupported = typeof api.intentBatch === 'function';
  }

  /** Declares a prepared file (its checksum is known) that will ask for an intent later. */
  offer(c: Candidate): void {
    this.waiting.set(c.file, c);
    if (this.gathered && this.firstBatchFull()) this.gathered();
  }

  /** How many files the run will offer (an upper bound is fine): the first batch need not wait for more. */
  expect(files: number): void {
    this.expected = files;
  }

  /** Forgets a file (it is done, failed, or was registered without an intent). */
  drop(file: PlannedFile): void {
    this.waiting.delete(file);
    this.wanting.delete(file);
    this.cache.delete(file);
    this.asked.delete(file);
  }

  /**
   * The intent for `c` now: a fresh prefetched one, else a new request (a batch of `c` and the next waiting
   * files of the same order). Throws ApiError (401, 403 ORDER_FORBIDDEN, 413, 415, 429 after the waits, …).
   */
  async get(c: Candidate, retry: RetryContext): Promise<IntentResponse> {
    this.noteStart();
    this.waiting.delete(c.file);
    this.wanting.set(c.file, c);
    try {
      this.throwIfRefused(c);
      // Its intent may be on the way in another file's batch: wait for that rather than ask twice.
      await this.asked.get(c.file)?.catch(() => undefined);
      const cached = this.takeFresh(c.file);
      if (cached) {
        this.prefetch(c.body.order_id, retry.signal);
        return cached;
      }
      return await withRetry(async () => {
        // Issue 15: many small files in flight want intents at once. One of them asks (paced) for a batch
        // that carries the others too; they wait for it instead of each taking a pacer slot of its own.
        for (;;) {
          await this.asked.get(c.file)?.catch(() => undefined);
          const again = this.takeFresh(c.file);
          if (again) return again;
          this.throwIfRefused(c);
          if (!this.batchSupported || !this.leading) break;
          await this.leading.catch(() => undefined);
        }
        const ask = (async () => {
          // The run's first batch waits a moment for the files being hashed, so it carries more than a few.
          if (this.batchSupported && !this.askedOnce) await this.gather(retry.signal);
          this.askedOnce = true;
          await this.pacer.acquire(retry.signal);
          try {
            this.throwIfRefused(c); // refused while this file waited for its slot
            const mine = this.batchSupported ? await this.requestBatch(c, retry.signal) : await this.api.intent(c.body, retry.signal);
            this.wanting.delete(c.file); // answered: the next asking file's batch must not carry it again
            return mine;
          } catch (err) {
            this.noteRefusal(c.body.order_id, err);
            if (isApiError(err) && err.status === 429) this.pacer.backOff(rateLimitWaitMs(err));
            throw err;
          }
        })();
        if (this.batchSupported) this.leading = ask;
        try {
          return await ask;
        } finally {
          if (this.leading === ask) this.leading = undefined;
        }
      }, retry);
    } finally {
      this.wanting.delete(c.file);
    }
  }

  private async requestBatch(c: Candidate, signal?: AbortSignal): Promise<IntentResponse> {
    // In path order within a batch, so the key versions of a stack mostly follow the camera's file order.
    const group = [c, ...this.nextWaiting(c.file, c.body.order_id, this.firstSize() ?? this.batchSize() - 1)].sort((a, b) =>
      a.file.relPath < b.file.relPath ? -1 : a.file.relPath > b.file.relPath ? 1 : 0,
    );
    let answers: (IntentResponse | ApiError)[];
    const call = this.api.intentBatch!(c.body.order_id, group.map((g) => withoutOrder(g.body)), signal);
    for (const g of group) if (g !== c) this.asked.set(g.file, call);
    try {
      answers = await call;
    } catch (err) {
      if (isRouteMissing(err)) {
        this.batchSupported = false; // an older server: single intents from now on
        return this.api.intent(c.body, signal);
      }
      throw err;
    } finally {
      for (const g of group) if (this.asked.get(g.file) === call) this.asked.delete(g.file);
    }
    const now = this.clock.now();
    group.forEach((g, i) => {
      const a = answers[i];
      if (g === c) return;
      this.waiting.delete(g.file);
      this.cache.set(g.file, a instanceof ApiError ? { err: a } : { res: a, at: now });
    });
    const mine = answers[group.indexOf(c)];
    if (mine instanceof ApiError) throw mine;
    this.learnTtl(mine, now);
    this.prefetch(c.body.order_id, signal);
    return mine;
  }

  /**
   * Asks ahead (issue 15 "intents asked far enough ahead"): when fewer intents are ready than files will
   * start during one more paced batch request, the next waiting files' intents are asked for in the
   * background, so small files on a far link do not each wait a round trip for theirs. One such request
   * at a time; its failure is forgotten (each file then asks for itself, with its own retries).
   */
  private prefetch(orderId: string, signal?: AbortSignal): void {
    if (!this.batchSupported || this.prefetching || signal?.aborted) return;
    let ready = 0;
    for (const s of this.cache.values()) if ('res' in s) ready++;
    if (ready >= this.lowWater()) return;
    const group = this.nextWaiting(undefined, orderId, this.batchSize(), false);
    if (group.length === 0) return;
    this.prefetching = true;
    const call = this.pacer.acquire(signal).then(() => this.api.intentBatch!(orderId, group.map((g) => withoutOrder(g.body)), signal));
    for (const g of group) this.asked.set(g.file, call);
    call
      .then((answers) => {
        const now = this.clock.now();
        group.forEach((g, i) => {
          if (!this.waiting.has(g.file) && !this.wanting.has(g.file) && this.asked.get(g.file) !== call) return; // dropped meanwhile
          this.waiting.delete(g.file);
          const a = answers[i];
          this.cache.set(g.file, a instanceof ApiError ? { err: a } : { res: a, at: now });
        });
      })
      .catch((err: unknown) => {
        this.noteRefusal(orderId, err);
        if (isApiError(err) && err.status === 429) this.pacer.backOff(rateLimitWaitMs(err));
      })
      .finally(() => {
        for (const g of group) if (this.asked.get(g.file) === call) this.asked.delete(g.file);
        this.prefetching = false;
      });
  }

  /**
   * Before the start rate is known: the other files of a first batch — as many as fit in
   * FIRST_BATCH_BYTES (issue 15: 100 KB files need many intents at once, 8 MB files few), at least
   * batchSize() − 1, at most MAX_BATCH − 1 (the asking file is among those counted). Undefined once the rate is known.
   */
  private firstSize(): number | undefined {
    if (this.startRate() !== undefined) return undefined;
    let bytes = 0;
    let n = 0;
    for (const w of [...this.wanting.values(), ...this.waiting.values()]) {
      bytes += w.body.bytes ?? 0;
      if (bytes > FIRST_BATCH_BYTES || n >= MAX_BATCH) break;
      n++;
    }
    return Math.max(this.batchSize() - 1, n - 1);
  }

  /**
   * The first batch's wait (issue 15, far link: every ms here is before the first byte): until the files
   * prepared so far fill it (FIRST_BATCH_BYTES or MAX_BATCH files, or every file the run has), at most
   * FIRST_GATHER_MS. Throws TransferAborted when `signal` fires.
   */
  private async gather(signal?: AbortSignal): Promise<void> {
    if (this.firstBatchFull()) return;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([
        this.clock.sleep(FIRST_GATHER_MS, stop.signal).catch(() => undefined),
        new Promise<void>((resolve) => {
          this.gathered = resolve;
        }),
      ]);
    } finally {
      this.gathered = undefined;
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) throw new TransferAborted('wait');
  }

  /** The files asking and prepared fill a first batch (see firstSize). */
  private firstBatchFull(): boolean {
    const n = this.wanting.size + this.waiting.size;
    if (n >= MAX_BATCH || n >= this.expected) return true;
    let bytes = 0;
    for (const w of this.wanting.values()) bytes += w.body.bytes ?? 0;
    for (const w of this.waiting.values()) bytes += w.body.bytes ?? 0;
    return bytes > FIRST_BATCH_BYTES;
  }

  /** Remembers a whole-request 403 ORDER_FORBIDDEN for `orderId` (recovery.ts: it stops the order, not one file). */
  private noteRefusal(orderId: string, err: unknown): void {
    if (isApiError(err) && err.code === 'ORDER_FORBIDDEN') this.refused.set(orderId, err);
  }

  /** Throws the order's refusal when the server has refused `c`'s order already; `c` leaves `wanting`. */
  private throwIfRefused(c: Candidate): void {
    const err = this.refused.get(c.body.order_id);
    if (!err) return;
    this.wanting.delete(c.file);
    this.waiting.delete(c.file);
    this.cache.delete(c.file);
    throw err;
  }

  /** Intents to keep ready: what starts within ~1.5 s at the current start rate, at least two per transfer. */
  private lowWater(): number {
    return Math.min(MAX_BATCH, Math.max(this.concurrency * 2, Math.ceil((this.startRate() ?? 0) * 1.5)));
  }

  /** The cached answer for `file` when still good; a file served here leaves `wanting` at once (no batch carries it again). */
  private takeFresh(file: PlannedFile): IntentResponse | undefined {
    const slot = this.cache.get(file);
    if (!slot) return undefined;
    this.cache.delete(file);
    if ('err' in slot) {
      // A per-file error from a batch: transient ones are asked again, the others are the answer.
      if (isRetryable(slot.err)) return undefined;
      this.wanting.delete(file);
      throw slot.err;
    }
    const expires = isExistingIntent(slot.res) ? Number.NaN : Date.parse(slot.res.expires_at);
    const left = Number.isFinite(expires) ? expires - this.clock.now() : this.ttlMs - (this.clock.now() - slot.at);
    if (!isExistingIntent(slot.res) && left <= FRESH_MARGIN_MS) return undefined;
    this.wanting.delete(file);
    return slot.res;
  }

  /** The next files of the same order without an intent: those already asking first (`withWanting`), then the prepared ones in order. */
  private nextWaiting(except: PlannedFile | undefined, orderId: string, n: number, withWanting = true): Candidate[] {
    const out: Candidate[] = [];
    for (const w of withWanting ? [...this.wanting.values(), ...this.waiting.values()] : this.waiting.values()) {
      if (out.length >= n) break;
      if (w.file !== except && w.body.order_id === orderId && !this.cache.has(w.file) && !this.asked.has(w.file)) out.push(w);
    }
    return out;
  }

  /**
   * How many intents to ask for at once: what will start within half the URLs' usable lifetime at the
   * current start rate (issue 5: "batches no larger than what it will start within the URLs' lifetime"),
   * between the pool size and MAX_BATCH.
   */
  batchSize(): number {
    const usableS = Math.max(0, this.ttlMs - FRESH_MARGIN_MS) / 1000;
    const rate = this.startRate();
    const byRate = rate === undefined ? this.concurrency * 2 : Math.floor(rate * usableS * 0.5);
    return Math.max(1, Math.min(MAX_BATCH, Math.max(this.concurrency, byRate)));
  }

  /** Upload starts per second over the last starts; undefined until there are a few. */
  private startRate(): number | undefined {
    if (this.starts.length < 4) return undefined;
    const span = (this.starts[this.starts.length - 1] - this.starts[0]) / 1000;
    return span > 0 ? (this.starts.length - 1) / span : undefined;
  }

  private noteStart(): void {
    this.starts.push(this.clock.now());
    if (this.starts.length > 32) this.starts.shift();
  }

  private learnTtl(res: IntentResponse, now: number): void {
    if (isExistingIntent(res)) return;
    const expires = Date.parse(res.expires_at);
    if (Number.isFinite(expires) && expires > now) this.ttlMs = expires - now;
  }
}

function withoutOrder(body: IntentRequest): Omit<IntentRequest, 'order_id'> {
  const { order_id: _order, ...rest } = body;
  return rest;
}
