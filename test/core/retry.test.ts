/**
 * src/core/transfer/retry.ts — the request loop, carrying out recovery.ts's decisions (SPEC "Errors"): full-jitter exponential backoff (base 0.5 s,
 * cap 30 s) for transient failures, exactly `Retry-After` for 429, everything else thrown at once.
 */
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { systemClock } from '../../src/core/transfer/clock.js';
import { backoffMs, DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../src/core/transfer/retry.js';
import { mulberry32 } from './_rng.js';
import { InstantClock, ManualClock } from './_fake-clock.js';

const http = (status: number, code = `HTTP_${status}`, retryAfterMs?: number): ApiError =>
  new ApiError({ kind: 'http', status, code, message: code, operation: 'test', retryAfterMs });
const net = (code = 'ECONNRESET'): ApiError => new ApiError({ kind: 'network', code, message: code, operation: 'test' });

/** A function failing with `errors` in turn, then answering `value`. */
function script<T>(errors: unknown[], value: T): { fn: () => Promise<T>; calls: () => number } {
  let n = 0;
  return {
    fn: async () => {
      const e = errors[n++];
      if (e !== undefined) throw e;
      return value;
    },
    calls: () => n,
  };
}

describe('backoffMs (full jitter)', () => {
  it('uses SPEC values by default: base 0.5 s, cap 30 s', () => {
    expect(DEFAULT_RETRY.baseMs).toBe(500);
    expect(DEFAULT_RETRY.capMs).toBe(30_000);
    expect(DEFAULT_RETRY.attempts).toBeGreaterThanOrEqual(2);
  });

  it('stays within [0, min(cap, base·2^n)] for every retry number and random value', () => {
    const rng = mulberry32(42);
    for (let n = 0; n < 40; n++) {
      const ceiling = Math.min(DEFAULT_RETRY.capMs, DEFAULT_RETRY.baseMs * 2 ** n);
      for (let i = 0; i < 50; i++) {
        const v = backoffMs(n, DEFAULT_RETRY, rng);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(ceiling);
        expect(Number.isInteger(v)).toBe(true);
      }
      expect(backoffMs(n, DEFAULT_RETRY, () => 0)).toBe(0);
      expect(backoffMs(n, DEFAULT_RETRY, () => 0.999_999)).toBe(Math.floor(0.999_999 * ceiling));
    }
  });

  it('doubles the ceiling per retry until the cap, and never overflows for huge n', () => {
    const top = (n: number): number => backoffMs(n, DEFAULT_RETRY, () => 0.999_999_999) + 1;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(top(5000)).toBe(30_000); // 2^5000 is Infinity; the cap still holds
  });

  it('is spread out (jitter), not a fixed value', () => {
    const rng = mulberry32(7);
    const values = new Set(Array.from({ length: 50 }, () => backoffMs(4, DEFAULT_RETRY, rng)));
    expect(values.size).toBeGreaterThan(40);
  });
});

describe('withRetry', () => {
  const policy: RetryPolicy = { attempts: 4, baseMs: 500, capMs: 30_000, rateLimitWaits: 3 };

  it('returns at once on success, without waiting', async () => {
    const clock = new InstantClock();
    await expect(withRetry(async () => 'ok', { policy, clock })).resolves.toBe('ok');
    expect(clock.sleeps).toEqual([]);
  });

  it('retries transient failures (network, stalled, protocol, 5xx) and then succeeds', async () => {
    const clock = new InstantClock();
    const stalled = new ApiError({ kind: 'stalled', code: 'STALLED', message: 's', operation: 't' });
    const garbage = new ApiError({ kind: 'protocol', status: 200, code: 'BAD_RESPONSE', message: 'html', operation: 't' });
    const s = script([net(), stalled, garbage], 'done');
    await expect(withRetry(s.fn, { policy: { ...policy, attempts: 4 }, clock })).resolves.toBe('done');
    expect(s.calls()).toBe(4);
    expect(clock.sleeps).toHaveLength(3);
    clock.sleeps.forEach((ms, n) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(Math.min(policy.capMs, policy.baseMs * 2 ** n));
    });
  });

  it('honours `attempts`: tries exactly that often, then throws the last error', async () => {
    for (const attempts of [1, 2, 5]) {
      const clock = new InstantClock();
      const errors = Array.from({ length: 10 }, (_, i) => http(503, `E${i}`));
      const s = script(errors, 'never');
      const err = await withRetry(s.fn, { policy: { ...policy, attempts }, clock }).catch((e: unknown) => e);
      expect(s.calls()).toBe(attempts);
      expect(clock.sleeps).toHaveLength(attempts - 1);
      expect(err).toBe(errors[attempts - 1]);
    }
  });

  it('429 waits exactly Retry-After and does not use up the transient attempts', async () => {
    const clock = new InstantClock();
    // attempts 2: a single transient failure is allowed; three 429s around it must not count.
    const s = script([http(429, 'RATE_LIMITED', 2500), http(429, 'RATE_LIMITED', 700), http(503), http(429, 'RATE_LIMITED', 1200)], 'ok');
    const onRetry = vi.fn();
    await expect(withRetry(s.fn, { policy: { ...policy, attempts: 2, rateLimitWaits: 5 }, clock, onRetry })).resolves.toBe('ok');
    expect(s.calls()).toBe(5);
    expect(clock.sleeps[0]).toBe(2500);
    expect(clock.sleeps[1]).toBe(700);
    expect(clock.sleeps[3]).toBe(1200);
    expect(clock.sleeps[2]).toBeLessThanOrEqual(500); // the one backoff, retry number 0
    expect(onRetry.mock.calls.map((c) => [(c[0] as ApiError).status, c[1]])).toEqual([
      [429, 2500],
      [429, 700],
      [503, clock.sleeps[2]],
      [429, 1200],
    ]);
  });

  it('429 without Retry-After waits 1 s', async () => {
    const clock = new InstantClock();
    const s = script([http(429, 'RATE_LIMITED')], 'ok');
    await withRetry(s.fn, { policy, clock });
    expect(clock.sleeps).toEqual([1000]);
  });

  it('gives up on 429 after rateLimitWaits waits', async () => {
    const clock = new InstantClock();
    const s = script(Array.from({ length: 10 }, () => http(429, 'RATE_LIMITED', 100)), 'never');
    await expect(withRetry(s.fn, { policy: { ...policy, rateLimitWaits: 3 }, clock })).rejects.toMatchObject({ status: 429 });
    expect(s.calls()).toBe(4);
    expect(clock.sleeps).toEqual([100, 100, 100]);
  });

  it.each([
    ['400 VALIDATION_FAILED', http(400, 'VALIDATION_FAILED')],
    ['401 UNAUTHENTICATED', http(401, 'UNAUTHENTICATED')],
    ['403 ORDER_FORBIDDEN', http(403, 'ORDER_FORBIDDEN')],
    ['404', http(404)],
    ['409 OBJECT_MISSING', http(409, 'OBJECT_MISSING')],
    ['410 URL_EXPIRED', http(410, 'URL_EXPIRED')],
    ['413 FILE_TOO_LARGE', http(413, 'FILE_TOO_LARGE')],
    ['422 CHECKSUM_MISMATCH', http(422, 'CHECKSUM_MISMATCH')],
    ['file error', new ApiError({ kind: 'file', code: 'ENOENT', message: 'gone', operation: 'PUT' })],
    ['aborted', new ApiError({ kind: 'aborted', code: 'ABORTED', message: 'x', operation: 'PUT' })],
    ['a plain Error', new Error('bug')],
  ])('throws a non-transient error at once: %s', async (_name, error) => {
    const clock = new InstantClock();
    const onRetry = vi.fn();
    const s = script([error], 'never');
    await expect(withRetry(s.fn, { policy, clock, onRetry })).rejects.toBe(error);
    expect(s.calls()).toBe(1);
    expect(clock.sleeps).toEqual([]);
    expect(onRetry).not.toHaveBeenCalled();
  });

  it('does not wait once the signal is aborted: the error comes through at once', async () => {
    const clock = new InstantClock();
    const ctrl = new AbortController();
    ctrl.abort();
    const s = script([http(503), http(503)], 'never');
    await expect(withRetry(s.fn, { policy, clock, signal: ctrl.signal })).rejects.toMatchObject({ status: 503 });
    expect(s.calls()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('an abort during a backoff wait stops the wait: rejects with kind aborted, no further try', async () => {
    const clock = new ManualClock();
    const ctrl = new AbortController();
    const s = script([http(503), http(503), http(503)], 'never');
    const run = withRetry(s.fn, { policy: { ...policy, baseMs: 10_000 }, clock, signal: ctrl.signal });
    const caught = run.catch((e: unknown) => e);
    await clock.advance(0);
    expect(clock.pending).toBe(1); // waiting after the first failure
    ctrl.abort();
    expect(await caught).toMatchObject({ kind: 'aborted' });
    expect(s.calls()).toBe(1);
  });

  it('an abort during a Retry-After wait stops it too', async () => {
    const clock = new ManualClock();
    const ctrl = new AbortController();
    const s = script([http(429, 'RATE_LIMITED', 60_000)], 'never');
    const caught = withRetry(s.fn, { policy, clock, signal: ctrl.signal }).catch((e: unknown) => e);
    await clock.advance(1000);
    ctrl.abort();
    expect(await caught).toMatchObject({ kind: 'aborted' });
    expect(s.calls()).toBe(1);
  });

  it('tells onRetry why, how long and which attempt, before each wait', async () => {
    const clock = new InstantClock();
    const seen: [string, number, number][] = [];
    const s = script([net('ECONNRESET'), http(429, 'RATE_LIMITED', 300), http(502)], 'ok');
    await withRetry(s.fn, { policy, clock, onRetry: (e, ms, attempt) => seen.push([e.code, ms, attempt]) });
    expect(seen.map(([c, , a]) => [c, a])).toEqual([
      ['ECONNRESET', 1],
      ['RATE_LIMITED', 2],
      ['HTTP_502', 3],
    ]);
    expect(seen.map(([, ms]) => ms)).toEqual(clock.sleeps);
  });
});

describe('systemClock.sleep', () => {
  it('resolves after the time and rejects with kind aborted when the signal fires', async () => {
    const t = Date.now();
    await systemClock.sleep(20);
    expect(Date.now() - t).toBeGreaterThanOrEqual(15);
    const ctrl = new AbortController();
    const p = systemClock.sleep(60_000, ctrl.signal);
    setTimeout(() => ctrl.abort(), 5);
    await expect(p).rejects.toMatchObject({ kind: 'aborted', code: 'ABORTED' });
    const done = new AbortController();
    done.abort();
    await expect(systemClock.sleep(60_000, done.signal)).rejects.toMatchObject({ kind: 'aborted' });
  });
});
