/**
 * src/core/transfer/offline.ts with recovery.ts's network waits, through withRetry (SPEC v2 "Offline is a state, not a failure"):
 * unreachable hosts (DNS, refused, no route) wait through the gate without counting tries; the gate says
 * "offline" and "online" once per spell; the wait is bounded by maxWaitMs (upload) or not (watch).
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { OfflineGate, parseOfflineWait } from '../../src/core/transfer/offline.js';
import { isUnreachable } from '../../src/core/transfer/recovery.js';
import { DEFAULT_RETRY, withRetry } from '../../src/core/transfer/retry.js';
import { InstantClock } from './_fake-clock.js';

const net = (code: string): ApiError => new ApiError({ kind: 'network', code, message: code, operation: 'test' });
const http = (status: number): ApiError => new ApiError({ kind: 'http', status, code: `HTTP_${status}`, message: 'x', operation: 'test' });

function failing<T>(errors: unknown[], value: T) {
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

describe('isUnreachable', () => {
  it('DNS, refused, no route are "offline"; a cut connection, a 5xx or a stall are not', () => {
    for (const c of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']) expect(isUnreachable(net(c)), c).toBe(true);
    expect(isUnreachable(net('ECONNRESET'))).toBe(false);
    expect(isUnreachable(http(503))).toBe(false);
    expect(isUnreachable(new ApiError({ kind: 'stalled', code: 'STALLED', message: '', operation: '' }))).toBe(false);
    expect(isUnreachable(new Error('ECONNREFUSED'))).toBe(false);
  });
});

describe('withRetry with an OfflineGate', () => {
  it('waits through 50 refused connections without spending a try, and tells offline/online once', async () => {
    const clock = new InstantClock();
    const changes: boolean[] = [];
    const reasons: unknown[] = [];
    const gate = new OfflineGate({
      maxWaitMs: Number.POSITIVE_INFINITY,
      now: () => clock.now(),
      onChange: (off, _since, why) => (changes.push(off), reasons.push(why)),
    });
    const refused = (): ApiError => new ApiError({ kind: 'network', code: 'ECONNREFUSED', message: 'x', operation: 'test', host: 'api.test:8787' });
    const s = failing([...Array.from({ length: 50 }, refused), net('ECONNRESET')], 'ok');
    const retries: number[] = [];
    const out = await withRetry(s.fn, { policy: { ...DEFAULT_RETRY, attempts: 2 }, clock, offline: gate, onRetry: (_e, _w, a) => retries.push(a) });
    expect(out).toBe('ok');
    expect(s.calls()).toBe(52);
    expect(retries).toEqual([1]); // only the cut connection counted
    expect(changes).toEqual([true, false]);
    // What the first unreachable request met, for the words ("api.test:8787: connection refused").
    expect(reasons).toEqual([{ code: 'ECONNREFUSED', host: 'api.test:8787' }, undefined]);
    expect(Math.max(...clock.sleeps.slice(0, 50))).toBeLessThanOrEqual(10_000); // back within the cap
  });

  it('an HTTP answer ends the offline state too', async () => {
    const clock = new InstantClock();
    const changes: boolean[] = [];
    const gate = new OfflineGate({ maxWaitMs: 60_000, now: () => clock.now(), onChange: (off) => changes.push(off) });
    const s = failing([net('ENOTFOUND'), http(404)], 'never');
    await expect(withRetry(s.fn, { policy: DEFAULT_RETRY, clock, offline: gate })).rejects.toMatchObject({ status: 404 });
    expect(changes).toEqual([true, false]);
    expect(gate.offline).toBe(false);
  });

  it('upload: after maxWaitMs offline the request fails as a network error (tries counted again)', async () => {
    const clock = new InstantClock();
    const gate = new OfflineGate({ maxWaitMs: 30_000, now: () => clock.now() });
    const s = failing(Array.from({ length: 1000 }, () => net('ECONNREFUSED')), 'never');
    await expect(withRetry(s.fn, { policy: { ...DEFAULT_RETRY, attempts: 3 }, clock, offline: gate })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const waited = clock.sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(30_000);
    expect(waited).toBeLessThan(30_000 + 2 * DEFAULT_RETRY.capMs);
  });

  it('without a gate, refused connections are ordinary transient errors (as before)', async () => {
    const clock = new InstantClock();
    const s = failing(Array.from({ length: 10 }, () => net('ECONNREFUSED')), 'never');
    await expect(withRetry(s.fn, { policy: { ...DEFAULT_RETRY, attempts: 3 }, clock })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(s.calls()).toBe(3);
  });
});

describe('parseOfflineWait', () => {
  it('reads 10m, 90s, 1h, 500ms and plain seconds; rejects words', () => {
    expect(parseOfflineWait('10m')).toBe(600_000);
    expect(parseOfflineWait('90s')).toBe(90_000);
    expect(parseOfflineWait('1h')).toBe(3_600_000);
    expect(parseOfflineWait('500ms')).toBe(500);
    expect(parseOfflineWait('30')).toBe(30_000);
    expect(parseOfflineWait('0')).toBe(0);
    expect(parseOfflineWait(undefined)).toBeUndefined();
    expect(parseOfflineWait('soon')).toBeNaN();
  });
});
