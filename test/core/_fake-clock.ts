/**
 * Test helper: fake clocks for the engine modules (src/core/transfer/clock.ts).
 *
 * - `InstantClock`: every sleep resolves at once and moves time forward by its length; the lengths are
 *   recorded in `sleeps`. For code where only "how long did it wait" matters (retry, engine).
 * - `ManualClock`: sleeps are virtual timers; `runAll()` fires them in time order, letting the
 *   awaiting code run between two timers. For code where the moment of each wake-up matters (pacer).
 *
 * Both honour the abort signal like systemClock: a sleep rejects with TransferAborted (kind 'aborted').
 */
import type { Clock } from '../../src/core/transfer/clock.js';
import { TransferAborted } from '../../src/core/transfer/failures.js';

/** A plausible wall-clock start, so ISO `expires_at` values and `now()` are comparable. */
export const T0 = Date.parse('2025-11-10T09:00:00.000Z');

function aborted(): TransferAborted {
  return new TransferAborted('wait');
}

export class InstantClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw aborted();
    this.sleeps.push(ms);
    this.t += ms;
  }
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  readonly sleeps: number[] = [];
  private timers: Timer[] = [];
  private seq = 0;
  constructor(public t = T0) {}

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(aborted());
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(aborted());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Timers not fired yet. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms` (firing due timers on the way). */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    await settle();
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > until) break;
      this.fire(next);
      await settle();
    }
    this.t = until;
    await settle();
  }

  /** Fires every timer, earliest first, until none is left (code woken may set new ones). */
  async runAll(maxSteps = 10_000): Promise<void> {
    await settle();
    for (let i = 0; i < maxSteps; i++) {
      const next = this.earliest();
      if (!next) return;
      this.fire(next);
      await settle();
    }
    throw new Error('ManualClock.runAll: too many timers');
  }

  private earliest(): Timer | undefined {
    return [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
  }

  private fire(timer: Timer): void {
    this.timers = this.timers.filter((x) => x !== timer);
    this.t = Math.max(this.t, timer.at);
    timer.resolve();
  }
}

/** Lets pending promise continuations (and immediate I/O callbacks) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}
