/**
 * `--bwlimit` (issue 5): one token bucket for all transfers of a process, so a photographer sharing a
 * connection can cap piximmo at e.g. 5 MB/s. Callers take bytes before sending them; waiting callers are
 * served in order. The bucket holds at most a quarter of a second of bytes, so bursts stay small.
 */
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

export class BandwidthLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly capacity: number;

  /** `bytesPerSecond` > 0. */
  constructor(
    readonly bytesPerSecond: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(bytesPerSecond > 0)) throw new Error('bandwidth limit must be > 0 bytes/s');
    this.capacity = Math.max(16 * 1024, bytesPerSecond / 4);
    this.tokens = this.capacity;
    this.last = clock.now();
  }

  /** Resolves when `n` bytes may be sent (n may exceed the bucket: the wait covers the debt). */
  take(n: number, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.wait(n, signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(n: number, signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    this.last = now;
    this.tokens -= n;
    if (this.tokens < 0) await this.clock.sleep((-this.tokens / this.bytesPerSecond) * 1000, signal);
  }
}

/**
 * Parses a rate: a number of bytes per second with an optional unit — k/K, M, G are powers of 1000
 * (as piximmo shows sizes), Ki, Mi, Gi powers of 1024; a trailing "B", "/s" or "B/s" is allowed.
 * "5M" = 5,000,000 B/s, "512KiB/s" = 524,288 B/s. Throws Error naming the value when it is not a rate > 0.
 */
export function parseRate(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]i?)?\s*(?:B)?\s*(?:\/s)?\s*$/.exec(value);
  if (!m) throw new Error(`"${value}" is not a rate like 5M, 800K or 2MiB`);
  const unit = (m[2] ?? '').toLowerCase();
  const base = unit.endsWith('i') ? 1024 : 1000;
  const power = { '': 0, k: 1, m: 2, g: 3 }[unit.replace('i', '')] ?? 0;
  const n = Number(m[1]) * base ** power;
  if (!(n > 0)) throw new Error(`"${value}" must be more than 0 bytes per second`);
  return Math.round(n);
}
