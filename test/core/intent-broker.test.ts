/**
 * src/core/transfer/intent-broker.ts — batch intents (POST /api/uploads/intents) for the next waiting files of one
 * order, handed out from a cache while their URLs are fresh; per-file errors go to their file only;
 * single intents after a 404 from the batch route; batch size from the start rate and the URL lifetime.
 */
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import type { IntentRequest, IntentResponse, SingleIntentResponse } from '../../src/contract/api.js';
import { IntentBroker, MAX_BATCH, type Candidate, type IntentSource } from '../../src/core/transfer/intent-broker.js';
import { IntentPacer } from '../../src/core/transfer/intent-pacer.js';
import type { PlannedFile } from '../../src/core/transfer/events.js';
import type { RetryContext } from '../../src/core/transfer/retry.js';
import type { Clock } from '../../src/core/transfer/clock.js';
import { InstantClock, ManualClock } from './_fake-clock.js';

type BatchFile = Omit<IntentRequest, 'order_id'>;

class StubSource implements IntentSource {
  readonly singles: IntentRequest[] = [];
  readonly batches: { orderId: string; files: BatchFile[] }[] = [];
  /** URL lifetime of the answers, ms. */
  ttlMs = 300_000;
  private n = 0;
  /** Replace to script the batch route (default: one fresh intent per file). */
  batchAnswer: (orderId: string, files: BatchFile[]) => Promise<(IntentResponse | ApiError)[]> = async (orderId, files) =>
    files.map((f) => this.answer({ ...f, order_id: orderId }));
  singleAnswer: (body: IntentRequest) => Promise<IntentResponse> = async (body) => this.answer(body);

  constructor(private readonly clock: Clock) {}

  answer(body: IntentRequest): SingleIntentResponse {
    const n = ++this.n;
    return {
      signed_url: `https://r2.test/${body.order_id}/${body.filename}?try=${n}`,
      object_key: `user/u1/orders/${body.order_id}/raw/${body.filename}-v${n}`,
      headers: { 'Content-Type': body.mime },
      expires_at: new Date(this.clock.now() + this.ttlMs).toISOString(),
    };
  }

  intent = async (body: IntentRequest): Promise<IntentResponse> => {
    this.singles.push(body);
    return this.singleAnswer(body);
  };

  intentBatch = async (orderId: string, files: BatchFile[]): Promise<(IntentResponse | ApiError)[]> => {
    this.batches.push({ orderId, files });
    return this.batchAnswer(orderId, files);
  };
}

function cand(name: string, order = 'ORD-1'): Candidate {
  const file = { relPath: name, name, shoot: { orderId: order } } as unknown as PlannedFile;
  return { file, body: { filename: name, mime: 'image/jpeg', order_id: order, bytes: 1000, checksum: `sum-${name}` } };
}

function retryCtx(clock: Clock, signal?: AbortSignal): RetryContext {
  return { policy: { attempts: 3, baseMs: 10, capMs: 100, rateLimitWaits: 5 }, clock, signal };
}

function setup(opts: { rate?: number; concurrency?: number; batch?: boolean } = {}) {
  const clock = new InstantClock();
  const src = new StubSource(clock);
  const api: IntentSource = opts.batch === false ? { intent: src.intent } : src;
  const pacer = new IntentPacer(opts.rate ?? 0, clock);
  const broker = new IntentBroker(api, pacer, clock, opts.concurrency ?? 4);
  return { clock, src, pacer, broker, ctx: retryCtx(clock) };
}

const url = (r: IntentResponse): string => (r as SingleIntentResponse).signed_url;

describe('IntentBroker: batches', () => {
  it('asks for one batch: the file and the next waiting files of the same order, in order, never mixing orders', async () => {
    const { src, broker, ctx } = setup();
    const [a, b, x, c, y] = [cand('a.jpg'), cand('b.jpg'), cand('x.jpg', 'ORD-2'), cand('c.jpg'), cand('y.jpg', 'ORD-2')];
    for (const k of [a, b, x, c, y]) broker.offer(k);
    const ra = await broker.get(a, ctx);
    expect(src.batches).toHaveLength(1);
    expect(src.batches[0].orderId).toBe('ORD-1');
    expect(src.batches[0].files.map((f) => f.filename)).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(src.batches[0].files[0]).not.toHaveProperty('order_id');
    expect(url(ra)).toContain('/ORD-1/a.jpg');

    // b and c come from the cache: no request
    expect(url(await broker.get(b, ctx))).toContain('/ORD-1/b.jpg');
    expect(url(await broker.get(c, ctx))).toContain('/ORD-1/c.jpg');
    expect(src.batches).toHaveLength(1);

    // the other order gets a batch of its own
    await broker.get(x, ctx);
    expect(src.batches).toHaveLength(2);
    expect(src.batches[1]).toMatchObject({ orderId: 'ORD-2' });
    expect(src.batches[1].files.map((f) => f.filename)).toEqual(['x.jpg', 'y.jpg']);
    await broker.get(y, ctx);
    expect(src.batches).toHaveLength(2);
    expect(src.singles).toEqual([]);
  });

  it('a dropped file is not asked for; a cached intent is served once only', async () => {
    const { src, broker, ctx } = setup();
    const [a, b, c] = [cand('a'), cand('b'), cand('c')];
    for (const k of [a, b, c]) broker.offer(k);
    broker.drop(b.file);
    await broker.get(a, ctx);
    expect(src.batches[0].files.map((f) => f.filename)).toEqual(['a', 'c']);
    const first = await broker.get(c, ctx);
    const second = await broker.get(c, ctx); // e.g. a new intent after PUT 410: must be a new URL
    expect(url(second)).not.toBe(url(first));
    expect(src.batches).toHaveLength(2);
  });

  it('serves prefetched intents while fresh and re-requests stale ones (expires_at within 60 s)', async () => {
    const { clock, src, broker, ctx } = setup();
    const [a, b, c, d] = [cand('a'), cand('b'), cand('c'), cand('d')];
    for (const k of [a, b, c, d]) broker.offer(k);
    await broker.get(a, ctx); // URLs expire in 300 s
    clock.t += 239_000; // 61 s left: still fresh
    const rb = await broker.get(b, ctx);
    expect(src.batches).toHaveLength(1);
    expect(url(rb)).toMatch(/\/b\?try=2$/);
    clock.t += 1_000; // exactly 60 s left: stale
    const rc = await broker.get(c, ctx);
    expect(src.batches).toHaveLength(2);
    expect(src.batches[1].files.map((f) => f.filename)).toEqual(['c']); // d is in the cache, stale or not
    expect(Date.parse((rc as SingleIntentResponse).expires_at) - clock.now()).toBe(300_000);
    clock.t += 200_000; // d's prefetched URL has expired
    await broker.get(d, ctx);
    expect(src.batches).toHaveLength(3);
    expect(src.batches[2].files.map((f) => f.filename)).toEqual(['d']);
  });

  it('an existing_file_id answer from a batch is served however old it is', async () => {
    const { clock, src, broker, ctx } = setup();
    src.batchAnswer = async (orderId, files) =>
      files.map((f) => (f.filename === 'b' ? { existing_file_id: 'file-9', object_key: 'k9' } : src.answer({ ...f, order_id: orderId })));
    const [a, b] = [cand('a'), cand('b')];
    broker.offer(a);
    broker.offer(b);
    await broker.get(a, ctx);
    clock.t += 3_600_000;
    await expect(broker.get(b, ctx)).resolves.toEqual({ existing_file_id: 'file-9', object_key: 'k9' });
    expect(src.batches).toHaveLength(1);
  });

  it("throws a per-file error from a batch to that file only; a transient one is asked for again", async () => {
    const { src, broker, ctx } = setup();
    const tooBig = new ApiError({ kind: 'http', status: 413, code: 'FILE_TOO_LARGE', message: 'too large', operation: 'POST /api/uploads/intents' });
    const storage = new ApiError({ kind: 'http', status: 502, code: 'STORAGE_ERROR', message: 'r2 down', operation: 'POST /api/uploads/intents' });
    src.batchAnswer = async (orderId, files) =>
      files.map((f) => (f.filename === 'b' ? tooBig : f.filename === 'c' && src.batches.length === 1 ? storage : src.answer({ ...f, order_id: orderId })));
    const [a, b, c, d] = [cand('a'), cand('b'), cand('c'), cand('d')];
    for (const k of [a, b, c, d]) broker.offer(k);
    await expect(broker.get(a, ctx)).resolves.toHaveProperty('signed_url');
    await expect(broker.get(b, ctx)).rejects.toBe(tooBig);
    expect(src.batches).toHaveLength(1);
    await expect(broker.get(c, ctx)).resolves.toHaveProperty('signed_url'); // asked again
    expect(src.batches).toHaveLength(2);
    expect(src.batches[1].files.map((f) => f.filename)).toEqual(['c']);
    await expect(broker.get(d, ctx)).resolves.toHaveProperty('signed_url');
    expect(src.batches).toHaveLength(2);
  });

  it("the asking file's own per-file error is thrown to it, and the others are still served", async () => {
    const { src, broker, ctx } = setup();
    const bad = new ApiError({ kind: 'http', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'no', operation: 'POST /api/uploads/intents' });
    src.batchAnswer = async (orderId, files) => files.map((f) => (f.filename === 'a' ? bad : src.answer({ ...f, order_id: orderId })));
    const [a, b] = [cand('a'), cand('b')];
    broker.offer(a);
    broker.offer(b);
    await expect(broker.get(a, ctx)).rejects.toBe(bad);
    await expect(broker.get(b, ctx)).resolves.toHaveProperty('signed_url');
    expect(src.batches).toHaveLength(1);
  });

  it.each([404, 405])('falls back to single intents after a %i from the batch route, for good', async (status) => {
    const { src, broker, ctx } = setup();
    src.batchAnswer = async () => {
      throw new ApiError({ kind: 'http', status, code: 'NOT_FOUND', message: 'no such route', operation: 'POST /api/uploads/intents' });
    };
    const [a, b, c] = [cand('a'), cand('b'), cand('c')];
    for (const k of [a, b, c]) broker.offer(k);
    await expect(broker.get(a, ctx)).resolves.toHaveProperty('signed_url');
    await expect(broker.get(b, ctx)).resolves.toHaveProperty('signed_url');
    await expect(broker.get(c, ctx)).resolves.toHaveProperty('signed_url');
    expect(src.batches).toHaveLength(1);
    expect(src.singles.map((s) => s.filename)).toEqual(['a', 'b', 'c']);
    expect(src.singles[0]).toEqual(a.body); // with its order
  });

  it('uses single intents when the API has no batch method', async () => {
    const { src, broker, ctx } = setup({ batch: false });
    broker.offer(cand('b'));
    await broker.get(cand('a'), ctx);
    expect(src.singles.map((s) => s.filename)).toEqual(['a']);
  });

  it('whole-request errors other than 404 are not a reason to give up batches: 401/403 thrown at once', async () => {
    const { src, broker, ctx } = setup();
    const forbidden = new ApiError({ kind: 'http', status: 403, code: 'ORDER_FORBIDDEN', message: 'not yours', operation: 'POST /api/uploads/intents' });
    src.batchAnswer = async () => {
      throw forbidden;
    };
    const a = cand('a');
    await expect(broker.get(a, ctx)).rejects.toBe(forbidden);
    expect(src.batches).toHaveLength(1);
    expect(src.singles).toHaveLength(0);
  });

  it('a 403 ORDER_FORBIDDEN for the whole request answers every other file of that order at once (no request each)', async () => {
    // Regression: at SPEC's 3 intents/s the files already in flight each asked again — 15 paced requests, 5 s.
    for (const batch of [true, false]) {
      const clock = new ManualClock();
      const src = new StubSource(clock);
      const broker = new IntentBroker(batch ? src : { intent: src.intent }, new IntentPacer(3, clock), clock, 4);
      const forbidden = new ApiError({ kind: 'http', status: 403, code: 'ORDER_FORBIDDEN', message: 'not yours', operation: 'POST /api/uploads/intents' });
      const refuse = async (): Promise<never> => {
        throw forbidden;
      };
      src.batchAnswer = refuse;
      src.singleAnswer = refuse;
      const files = Array.from({ length: 15 }, (_, i) => cand(`f${i}`, 'ORD-9'));
      const other = cand('mine', 'ORD-1');
      for (const f of [...files, other]) broker.offer(f);
      // All ask at once, as the files window's transfers do.
      const results = Promise.allSettled(files.map((f) => broker.get(f, retryCtx(clock))));
      await clock.runAll();
      expect((await results).every((r) => r.status === 'rejected' && r.reason === forbidden)).toBe(true);
      expect(src.batches.length + src.singles.length, `batch=${batch}`).toBe(1);
      // Another order is not affected.
      src.singleAnswer = async (body) => src.answer(body);
      src.batchAnswer = async (orderId, fs) => fs.map((f) => src.answer({ ...f, order_id: orderId }));
      const mine = broker.get(other, retryCtx(clock));
      await clock.runAll();
      await expect(mine).resolves.toHaveProperty('signed_url');
    }
  });

  it('a 429 on the batch waits Retry-After, pushes the pacer back and asks again', async () => {
    const { clock, src, pacer, broker, ctx } = setup({ rate: 3 });
    const backOff = vi.spyOn(pacer, 'backOff');
    let first = true;
    src.batchAnswer = async (orderId, files) => {
      if (first) {
        first = false;
        throw new ApiError({ kind: 'http', status: 429, code: 'RATE_LIMITED', message: 'slow down', operation: 'x', retryAfterMs: 1500 });
      }
      return files.map((f) => src.answer({ ...f, order_id: orderId }));
    };
    const a = cand('a');
    broker.offer(cand('b'));
    await expect(broker.get(a, ctx)).resolves.toHaveProperty('signed_url');
    expect(backOff).toHaveBeenCalledWith(1500);
    expect(src.batches).toHaveLength(2);
    expect(clock.sleeps.reduce((s, x) => s + x, 0)).toBeGreaterThanOrEqual(1500);
    expect(src.batches[1].files.map((f) => f.filename)).toEqual(['a', 'b']); // b was not lost
  });

  it('every request goes through the pacer', async () => {
    const { src, pacer, broker, ctx } = setup({ rate: 3 });
    const acquire = vi.spyOn(pacer, 'acquire');
    for (const n of ['a', 'b', 'c']) await broker.get(cand(n, `ORD-${n}`), ctx);
    expect(src.batches).toHaveLength(3);
    expect(acquire).toHaveBeenCalledTimes(3);
  });

  // Regression (found by this test, fixed in 1c4c242): the cache was checked before the pacing wait only,
  // so a file whose intent was on the way in another file's batch asked for a second one of its own.
  it('a file whose intent arrives in a batch while it waits for its pacing slot uses that intent', async () => {
    const clock = new ManualClock();
    const src = new StubSource(clock);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    src.batchAnswer = async (orderId, files) => {
      await gate; // the batch is on the wire for a while
      return files.map((f) => src.answer({ ...f, order_id: orderId }));
    };
    const broker = new IntentBroker(src, new IntentPacer(3, clock), clock, 4);
    const [a, b, c] = [cand('a'), cand('b'), cand('c')];
    for (const k of [a, b, c]) broker.offer(k);
    const pa = broker.get(a, retryCtx(clock));
    await clock.advance(50); // a's batch [a, b, c] is sent (the run's first batch gathers for 50 ms)
    expect(src.batches.map((x) => x.files.map((f) => f.filename))).toEqual([['a', 'b', 'c']]);
    const pb = broker.get(b, retryCtx(clock)); // b's turn: waits for its pacing slot
    await clock.advance(0);
    release(); // the batch answers, with b's intent
    await pa;
    await clock.runAll();
    const rb = await pb;
    expect(src.batches).toHaveLength(1); // b did not ask again
    expect(url(rb)).toMatch(/\/b\?try=2$/);
  });
});

describe('IntentBroker: the first batch gathers only while it is not full (issue 15, far link)', () => {
  const sent = async (clock: ManualClock, ms: number) => {
    await clock.advance(ms);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('every file the run has is offered: the first batch goes at once, no 50 ms wait', async () => {
    const clock = new ManualClock();
    const src = new StubSource(clock);
    const broker = new IntentBroker(src, new IntentPacer(3, clock), clock, 4);
    const files = [cand('a'), cand('b'), cand('c')];
    broker.expect(3);
    broker.offer(files[1]);
    const pa = broker.get(files[0], retryCtx(clock));
    await sent(clock, 0);
    expect(src.batches).toHaveLength(0); // 2 of 3 here: it gathers
    broker.offer(files[2]);
    await sent(clock, 0);
    expect(src.batches.map((x) => x.files.map((f) => f.filename))).toEqual([['a', 'b', 'c']]);
    await clock.runAll();
    await pa;
  });

  it('a full batch (MAX_BATCH files prepared) goes at once; otherwise it waits its 50 ms, then goes with what is there', async () => {
    const clock = new ManualClock();
    const src = new StubSource(clock);
    const broker = new IntentBroker(src, new IntentPacer(3, clock), clock, 4);
    const many = Array.from({ length: MAX_BATCH + 5 }, (_, i) => cand(`m${String(i).padStart(2, '0')}`));
    const p = broker.get(many[0], retryCtx(clock));
    for (const f of many.slice(1, MAX_BATCH - 1)) broker.offer(f);
    await sent(clock, 10);
    expect(src.batches).toHaveLength(0);
    broker.offer(many[MAX_BATCH - 1]); // the 50th
    await sent(clock, 0);
    expect(src.batches).toHaveLength(1);
    expect(src.batches[0].files).toHaveLength(MAX_BATCH);
    await clock.runAll();
    await p;

    const clock2 = new ManualClock();
    const src2 = new StubSource(clock2);
    const slow = new IntentBroker(src2, new IntentPacer(3, clock2), clock2, 4);
    slow.expect(10);
    slow.offer(cand('y'));
    const q = slow.get(cand('x'), retryCtx(clock2));
    await sent(clock2, 49);
    expect(src2.batches).toHaveLength(0);
    await sent(clock2, 1);
    expect(src2.batches.map((x) => x.files.map((f) => f.filename))).toEqual([['x', 'y']]);
    await clock2.runAll();
    await q;
  });

  it('a run stopped while the first batch gathers: the file stops (aborted), nothing is asked', async () => {
    const clock = new ManualClock();
    const src = new StubSource(clock);
    const broker = new IntentBroker(src, new IntentPacer(3, clock), clock, 4);
    broker.expect(5);
    const stop = new AbortController();
    const p = broker.get(cand('a'), retryCtx(clock, stop.signal));
    const failed = p.then(
      () => 'answered',
      (e: unknown) => (e as Error).name,
    );
    await sent(clock, 10);
    stop.abort();
    await clock.runAll();
    expect(await failed).toMatch(/Abort/);
    expect(src.batches).toHaveLength(0);
  });
});

describe('IntentBroker: many files asking at once (issue 15)', () => {
  it('files that ask together (none offered ahead) ride in one paced batch, not one pacer slot each', async () => {
    const clock = new ManualClock();
    const src = new StubSource(clock);
    const broker = new IntentBroker(src, new IntentPacer(3, clock), clock, 4);
    const files = Array.from({ length: 20 }, (_, i) => cand(`f${String(i).padStart(2, '0')}`));
    const got = files.map((f) => broker.get(f, retryCtx(clock)));
    await clock.runAll();
    const answers = await Promise.all(got);
    expect(src.batches).toHaveLength(1);
    expect(src.batches[0].files).toHaveLength(20);
    expect(answers.map((a) => url(a).split('/').at(-1)?.split('?')[0])).toEqual(files.map((f) => f.body.filename));
  });

  it('the file that asked is not carried again by the next asking file\'s batch', async () => {
    const clock = new ManualClock();
    const src = new StubSource(clock);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    src.batchAnswer = async (orderId, files) => {
      if (src.batches.length === 1) await gate; // the first batch is on the wire for a while
      return files.map((f) => src.answer({ ...f, order_id: orderId }));
    };
    const broker = new IntentBroker(src, new IntentPacer(0, clock), clock, 4);
    const first = Array.from({ length: 5 }, (_, i) => cand(`a${i}`));
    const p1 = first.map((f) => broker.get(f, retryCtx(clock)));
    await clock.advance(50); // the first batch [a0…a4] is sent
    const p2 = broker.get(cand('b0'), retryCtx(clock)); // arrives while it is on its way
    release();
    await clock.runAll();
    await Promise.all([...p1, p2]);
    expect(src.batches.map((b) => b.files.map((f) => f.filename))).toEqual([['a0', 'a1', 'a2', 'a3', 'a4'], ['b0']]);
  });
});

describe('IntentBroker.batchSize', () => {
  /** Upload starts at the given moments (s), through a broker with single intents only. */
  async function startsAt(seconds: number[], concurrency = 4): Promise<IntentBroker> {
    const { clock, broker, ctx } = setup({ batch: false, concurrency });
    const t0 = clock.t;
    for (const [i, s] of seconds.entries()) {
      clock.t = t0 + s * 1000;
      await broker.get(cand(`f${i}`), ctx);
    }
    return broker;
  }
  const every = (gap: number, n = 10): number[] => Array.from({ length: n }, (_, i) => i * gap);

  it('starts at twice the pool size until the start rate is known, and is at least 1', async () => {
    expect(setup({ concurrency: 4 }).broker.batchSize()).toBe(8);
    expect(setup({ concurrency: 40 }).broker.batchSize()).toBe(MAX_BATCH);
    expect(setup({ concurrency: 0 }).broker.batchSize()).toBe(1);
    expect((await startsAt([0, 1, 2])).batchSize()).toBe(8); // three starts: not yet a rate
  });

  it('grows with the start rate (what starts in half the usable URL lifetime), never beyond 50, never below the pool', async () => {
    expect(MAX_BATCH).toBe(50);
    // default lifetime 300 s, 60 s margin → 240 s usable, half of it 120 s
    expect((await startsAt(every(100))).batchSize()).toBe(4); // 0.01/s → 1, but the pool is 4
    expect((await startsAt(every(20))).batchSize()).toBe(6); // 0.05/s → 6
    expect((await startsAt(every(10))).batchSize()).toBe(12); // 0.1/s → 12
    expect((await startsAt(every(4))).batchSize()).toBe(30); // 0.25/s → 30
    expect((await startsAt(every(1))).batchSize()).toBe(50); // 1/s → 120, capped
    expect((await startsAt(every(0.1))).batchSize()).toBe(50);
    const sizes = [];
    for (const gap of [200, 50, 20, 10, 5, 2, 1, 0.5]) sizes.push((await startsAt(every(gap))).batchSize());
    expect(sizes).toEqual([...sizes].sort((x, y) => x - y));
  });

  it('follows the recent rate (last 32 starts), not the whole history', async () => {
    const slowThenFast = [...every(100, 10), ...every(1, 40).map((s) => 1000 + s)];
    expect((await startsAt(slowThenFast)).batchSize()).toBe(50);
  });

  it('learns the URL lifetime from the answers: never more than what starts in half of it', async () => {
    const { clock, src, broker, ctx } = setup({ concurrency: 2 });
    src.ttlMs = 120_000; // the server signs 2-minute URLs: 60 s usable
    const files = Array.from({ length: 200 }, (_, i) => cand(`f${i}`));
    for (const f of files) broker.offer(f);
    const sizes: number[] = [];
    for (const f of files.slice(0, 40)) {
      const before = src.batches.length;
      await broker.get(f, ctx);
      if (src.batches.length > before) sizes.push(src.batches[src.batches.length - 1].files.length);
      clock.t += 1000; // one start per second
    }
    // rate 1/s, 60 s usable → 30 in half of it
    expect(broker.batchSize()).toBe(30);
    expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(30);
    expect(sizes[0]).toBe(MAX_BATCH); // before the rate is known: as many 1 KB files as fit in 16 MiB, at most 50 (issue 15)
  });

  it('a batch request never carries more than batchSize files', async () => {
    const { clock, src, broker, ctx } = setup({ concurrency: 4 });
    for (let i = 0; i < 5; i++) {
      await broker.get(cand(`warm${i}`), ctx);
      clock.t += 100; // 10 starts/s
    }
    const files = Array.from({ length: 120 }, (_, i) => cand(`f${i}`));
    for (const f of files) broker.offer(f);
    await broker.get(files[0], ctx);
    expect(src.batches[src.batches.length - 1].files).toHaveLength(50);
  });
});
