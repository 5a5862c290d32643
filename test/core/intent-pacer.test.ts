/**
 * src/core/transfer/intent-pacer.ts — client-side pacing of intents to ≤ 3/s (SPEC "API": 3 intents/s/user),
 * with a fake clock: the moment each acquisition is granted is exact.
 */
import { describe, expect, it } from 'vitest';
import { IntentPacer } from '../../src/core/transfer/intent-pacer.js';
import { InstantClock, ManualClock, T0 } from './_fake-clock.js';

/** Starts `n` acquisitions at once and returns the moments (ms after T0) they were granted. */
async function grantTimes(pacer: IntentPacer, clock: ManualClock, n: number): Promise<number[]> {
  const times: number[] = [];
  const all = Array.from({ length: n }, (_, i) =>
    pacer.acquire().then(() => {
      times[i] = clock.now() - T0;
    }),
  );
  await clock.runAll();
  await Promise.all(all);
  return times;
}

describe('IntentPacer', () => {
  it.each([1, 3, 10])('spaces N acquisitions at least 1/rate apart (rate %i/s), first at once, in call order', async (rate) => {
    const clock = new ManualClock();
    const pacer = new IntentPacer(rate, clock);
    const times = await grantTimes(pacer, clock, 12);
    expect(times[0]).toBe(0);
    for (let i = 1; i < times.length; i++) {
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000 / rate);
      // …with a small safety margin, not a big one
      expect(times[i] - times[i - 1]).toBeLessThanOrEqual((1000 / rate) * 1.2);
    }
    // no window of one second holds more than `rate` grants
    for (let i = 0; i + rate < times.length; i++) expect(times[i + rate] - times[i]).toBeGreaterThanOrEqual(1000);
  });

  it('SPEC rate: 3/s → 12 intents take at least 11/3 s', async () => {
    const clock = new ManualClock();
    const times = await grantTimes(new IntentPacer(3, clock), clock, 12);
    expect(times[11]).toBeGreaterThanOrEqual((11 * 1000) / 3);
  });

  it('does not wait after an idle period', async () => {
    const clock = new InstantClock();
    const pacer = new IntentPacer(3, clock);
    await pacer.acquire();
    clock.t += 5000;
    await pacer.acquire();
    expect(clock.sleeps).toEqual([]);
    clock.t += 100;
    await pacer.acquire(); // 100 ms after the last: waits the rest of the interval
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0] + 100).toBeGreaterThanOrEqual(1000 / 3);
  });

  it('rate 0 (or less) disables pacing', async () => {
    for (const rate of [0, -1]) {
      const clock = new InstantClock();
      const pacer = new IntentPacer(rate, clock);
      for (let i = 0; i < 20; i++) await pacer.acquire();
      expect(clock.sleeps).toEqual([]);
    }
  });

  it('backOff pushes later slots back by Retry-After, then spaces them as before', async () => {
    const clock = new ManualClock();
    const pacer = new IntentPacer(3, clock);
    await pacer.acquire(); // t = 0
    await clock.advance(100);
    pacer.backOff(2000); // a 429 at t = 100 with Retry-After 2 s
    const times = await grantTimes(pacer, clock, 3);
    expect(times[0]).toBeGreaterThanOrEqual(2100);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(1000 / 3);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(1000 / 3);
  });

  it('a backOff shorter than the queue already is never pulls slots earlier', async () => {
    const clock = new ManualClock();
    const pacer = new IntentPacer(1, clock);
    const first = Array.from({ length: 5 }, () => pacer.acquire()); // slots 0..4 s handed out
    pacer.backOff(10); // nothing to push: the next free slot is at 5 s already
    const late = pacer.acquire().then(() => clock.now() - T0);
    await clock.runAll();
    await Promise.all(first);
    expect(await late).toBeGreaterThanOrEqual(5000);
  });

  it('an abort while waiting for a slot rejects with kind aborted', async () => {
    const clock = new ManualClock();
    const pacer = new IntentPacer(1, clock);
    await pacer.acquire();
    const ctrl = new AbortController();
    const waiting = pacer.acquire(ctrl.signal).catch((e: unknown) => e);
    await clock.advance(10);
    ctrl.abort();
    expect(await waiting).toMatchObject({ kind: 'aborted' });
  });
});
