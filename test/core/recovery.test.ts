/**
 * src/core/transfer/recovery.ts — the one recovery policy (issue 9): one test per action, each driven through
 * the code that carries it out with the injected fake clock (withRetry for the request-level waits, the
 * engine's FileTransfer for the step-level ones), plus the decision table of `classify` itself.
 */
import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { UploadEngine, type EngineOptions } from '../../src/core/transfer/engine.js';
import type { EngineEvent } from '../../src/core/transfer/events.js';
import { FatalStop, FileProblem, TransferAborted } from '../../src/core/transfer/failures.js';
import { sha256File } from '../../src/core/transfer/hash.js';
import { OfflineGate } from '../../src/core/transfer/offline.js';
import { classify, FileAttempts, type RecoveryContext } from '../../src/core/transfer/recovery.js';
import { withRetry } from '../../src/core/transfer/retry.js';
import { DEFAULT_TRANSFER, transferConfig } from '../../src/core/transfer/transfer-config.js';
import { ManualClock } from './_fake-clock.js';
import { bytesOf, httpError, statesOf, useSandbox } from './_engine-fixture.js';

const net = (code: string): ApiError => new ApiError({ kind: 'network', code, message: code, operation: 'test' });
const rateLimited = (ms: number): ApiError => new ApiError({ kind: 'http', status: 429, code: 'RATE_LIMITED', message: 'slow', operation: 'test', retryAfterMs: ms });
const config = transferConfig({ attempts: 3, baseMs: 10, capMs: 100, rateLimitWaits: 3 });
const ctx = (over: Partial<RecoveryContext> = {}): RecoveryContext => ({ config, step: 'put', file: new FileAttempts(config.fileAttempts), ...over });

const t = useSandbox();

async function runOne(opts: Partial<EngineOptions> = {}) {
  const { files } = await t.sandbox.shoot('ORD-1', { 'a.jpg': 'aaaaaaaaaa' });
  const events: EngineEvent[] = [];
  const engine = new UploadEngine({ api: t.api, hashFile: sha256File, clock: t.clock }, { concurrency: 1, intentRate: 0, retry: { attempts: 3, baseMs: 10, capMs: 100, rateLimitWaits: 3 }, ...opts });
  engine.on((e) => events.push(e));
  const result = await engine.run(files);
  return { result, events, f: files[0] };
}

describe('recovery actions, each carried out with the fake clock', () => {
  it('retry the same request: a 503 is sent again after a full-jitter backoff within [0, base]', async () => {
    const s = [httpError(503, 'HTTP_503')];
    const out = await withRetry(async () => {
      const e = s.shift();
      if (e) throw e;
      return 'ok';
    }, { policy: config, clock: t.clock });
    expect(out).toBe('ok');
    expect(t.clock.sleeps).toHaveLength(1);
    expect(t.clock.sleeps[0]).toBeGreaterThanOrEqual(0);
    expect(t.clock.sleeps[0]).toBeLessThanOrEqual(10);
    expect(classify(httpError(502, 'HTTP_502'), ctx({ request: { transient: 0, rateWaits: 0, offline: 0 } }))).toMatchObject({ kind: 'retry', attempt: 1 });
  });

  it('wait for the rate limit: a 429 waits exactly Retry-After on the clock', async () => {
    const s = [rateLimited(2500)];
    await withRetry(async () => {
      const e = s.shift();
      if (e) throw e;
    }, { policy: config, clock: t.clock });
    expect(t.clock.sleeps).toEqual([2500]);
    expect(classify(rateLimited(700), ctx({ request: { transient: 0, rateWaits: 0, offline: 0 } }))).toEqual({ kind: 'rate-limit', waitMs: 700, attempt: 1 });
  });

  it('wait for the network: refused connections wait at the offline gate on the clock, not charged to the file', async () => {
    const manual = new ManualClock();
    const gate = new OfflineGate({ maxWaitMs: 60_000, now: () => manual.now() });
    const file = new FileAttempts(2);
    let n = 0;
    const run = withRetry(async () => {
      if (n++ < 5) throw net('ECONNREFUSED');
      return 'back';
    }, { policy: config, clock: manual, offline: gate, file, step: 'intent' });
    await manual.runAll();
    expect(await run).toBe('back');
    expect(manual.sleeps).toHaveLength(5);
    expect(file.total).toBe(0); // bounded by time, not by tries
    expect(gate.offline).toBe(false);
  });

  it('renew the URL: PUT 410 → a new intent, announced as a retry without a wait', async () => {
    t.api.onPut = (_u, _s, _o, n) => {
      if (n === 1) throw httpError(410, 'URL_EXPIRED');
      return undefined;
    };
    const { result, events } = await runOne();
    expect(result.outcomes[0].state).toBe('registered');
    expect(t.api.intents).toHaveLength(2);
    expect(events.filter((e) => e.type === 'retry')).toMatchObject([{ code: 'URL_EXPIRED', wait_ms: 0, attempt: 1 }]);
    expect(t.clock.sleeps).toEqual([]);
  });

  it('upload again: finalize 409 → waiting, new intent, the file sent again from its start', async () => {
    t.api.onFinalize = (_b, n) => {
      if (n === 1) throw httpError(409, 'OBJECT_MISSING');
      return undefined;
    };
    const { result, events, f } = await runOne();
    expect(result.outcomes[0].state).toBe('registered');
    expect(statesOf(events, f)).toEqual(['waiting', 'uploading', 'uploaded', 'waiting:retry-upload', 'uploading', 'uploaded', 'registered']);
    expect(result.bytes_sent).toBe(20); // the bytes left twice
    expect(t.clock.sleeps).toEqual([]);
  });

  it('read the file again: a 422 from the store → hash again, new intent, send again', async () => {
    t.api.onPut = (_u, _s, _o, n) => {
      if (n === 1) throw httpError(422, 'CHECKSUM_MISMATCH');
      return undefined;
    };
    const { result } = await runOne();
    expect(result.outcomes[0].state).toBe('registered');
    expect(t.api.intents).toHaveLength(2);
    expect(t.api.puts).toHaveLength(2);
    expect(classify(httpError(422, 'CHECKSUM_MISMATCH'), ctx({ step: 'intent' }))).toMatchObject({ kind: 'give-up' }); // not at intent
  });

  it('read again after the PUT (the file changed on disk meanwhile): progress takes the first send back', async () => {
    t.api.onPut = async (_u, src, _o, n) => {
      if (n === 1) await fsp.appendFile(src.path, 'more');
      return undefined; // the stub reports the bytes it was given
    };
    const { result, events, f } = await runOne();
    expect(result.outcomes[0].state).toBe('registered');
    expect(t.api.puts).toHaveLength(2);
    expect(bytesOf(events, f)).toBe(14); // the new size, not 10 + 14
    expect(result.bytes_sent).toBe(24); // both sends left for the network
  });

  it('give up on this file: a 400 at intent fails the file at once, without a wait', async () => {
    t.api.onIntent = () => {
      throw httpError(400, 'VALIDATION_FAILED');
    };
    const { result } = await runOne();
    expect(result.outcomes[0]).toMatchObject({ state: 'failed', failure: { code: 'VALIDATION_FAILED' } });
    expect(t.api.intents).toHaveLength(1);
    expect(t.clock.sleeps).toEqual([]);
  });

  it('stop the run: 401 is fatal, ORDER_FORBIDDEN stops the order, an abort leaves the file waiting', async () => {
    t.api.onIntent = () => {
      throw httpError(401, 'UNAUTHENTICATED');
    };
    const { result } = await runOne();
    expect(result.fatal).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(result.outcomes[0].state).toBe('waiting');
    expect(t.clock.sleeps).toEqual([]);
    expect(classify(httpError(403, 'ORDER_FORBIDDEN'), ctx({ step: 'intent' }))).toMatchObject({ kind: 'stop-run', scope: 'order' });
    expect(classify(new FatalStop({ code: 'MANIFEST_WRITE', detail: 'x' }), ctx())).toMatchObject({ kind: 'stop-run', scope: 'run' });
    expect(classify(new TransferAborted(), ctx())).toMatchObject({ kind: 'stop-run', scope: 'aborted' });
    const ctrl = new AbortController();
    ctrl.abort();
    expect(classify(httpError(503, 'HTTP_503'), ctx({ signal: ctrl.signal, request: { transient: 0, rateWaits: 0, offline: 0 } }))).toMatchObject({ kind: 'stop-run', scope: 'aborted' });
  });
});

describe('budgets do not multiply', () => {
  it('a part URL refused every time: 2 renewals of that part, then the file fails URL_REJECTED — no new intent on top', async () => {
    const content = `${'abcdefghij'.repeat(3)}KLMNO`;
    const { files } = await t.sandbox.shoot('ORD-2', { 'video.mp4': content }, { mime: 'video/mp4' });
    t.api.onIntent = (body) => ({
      object_key: `k/${body.filename}`,
      multipart: { upload_id: 'up-1', part_size: 10, parts: [1, 2, 3, 4].map((n) => ({ part_number: n, url: `https://store.test/part${n}` })) },
      expires_at: new Date(t.clock.now() + 300_000).toISOString(),
    });
    t.api.onPut = (url) => {
      if (url.includes('part2')) throw httpError(410, 'URL_EXPIRED');
      return undefined;
    };
    const engine = new UploadEngine({ api: t.api, hashFile: sha256File, clock: t.clock }, { concurrency: 1, intentRate: 0 });
    const result = await engine.run(files);
    expect(result.outcomes[0]).toMatchObject({ state: 'failed', failure: { code: 'URL_REJECTED' } });
    expect(t.api.intents).toHaveLength(1); // before issue 9: 3 intents, each with 3 tries of part 2
    expect(t.api.puts.filter((p) => p.url.includes('part2'))).toHaveLength(3);
    expect(t.api.aborts).toHaveLength(1);
  });
});

describe('classify: budgets', () => {
  it('a URL is renewed urlRenewals times, then the file gives up URL_REJECTED; each part has its own URL budget', () => {
    const c = ctx({ step: 'part' });
    const kinds = [1, 2, 3].map(() => classify(httpError(410, 'URL_EXPIRED'), { ...c, url: 'part 1' }).kind);
    expect(kinds).toEqual(['renew-url', 'renew-url', 'give-up']);
    expect(classify(httpError(410, 'URL_EXPIRED'), { ...c, url: 'part 2' }).kind).toBe('renew-url');
    const last = classify(httpError(403, 'FORBIDDEN'), { ...c, url: 'part 1' });
    expect(last).toMatchObject({ kind: 'give-up', error: { failure: { code: 'URL_REJECTED' } } });
  });

  it('the file cap stops every kind of recovery, whatever budget is left', () => {
    const file = new FileAttempts(2);
    const c = ctx({ file, config: transferConfig({ attempts: 50, urlRenewals: 50 }) });
    const tries = { transient: 0, rateWaits: 0, offline: 0 };
    expect(classify(httpError(503, 'HTTP_503'), { ...c, request: tries }).kind).toBe('retry');
    expect(classify(httpError(410, 'URL_EXPIRED'), c).kind).toBe('renew-url');
    expect(classify(httpError(503, 'HTTP_503'), { ...c, request: tries }).kind).toBe('give-up');
    expect(classify(new FileProblem({ code: 'FILE_CHANGED', detail: 'x' }), c).kind).toBe('give-up');
    expect(file.total).toBe(2);
  });

  it('a decision is handed out once: the step that catches what a request judged is not charged twice', () => {
    const file = new FileAttempts(10);
    const err = httpError(410, 'URL_EXPIRED');
    expect(classify(err, ctx({ file, request: { transient: 0, rateWaits: 0, offline: 0 } })).kind).toBe('renew-url');
    expect(classify(err, ctx({ file })).kind).toBe('renew-url');
    expect(file.total).toBe(1);
    expect(file.renewalsOf('put')).toBe(1);
  });

  it('one error object reaching two files (a rejected finalize batch) is judged for each file on its own', () => {
    const shared = httpError(503, 'HTTP_503');
    const a = ctx({ step: 'finalize', request: { transient: 2, rateWaits: 0, offline: 0 } }); // a's tries are spent
    const b = ctx({ step: 'finalize', request: { transient: 0, rateWaits: 0, offline: 0 } });
    expect(classify(shared, a).kind).toBe('give-up');
    expect(classify(shared, b).kind).toBe('retry');
  });

  it('the defaults are SPEC\'s', () => {
    expect(DEFAULT_TRANSFER).toMatchObject({ attempts: 5, baseMs: 500, capMs: 30_000, urlRenewals: 2, reuploads: 2, rereads: 2, listingDeadlineMs: 10_000 });
  });
});
