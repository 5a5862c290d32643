/**
 * Client-side pacing of intents so a normal run meets no 429 (SPEC: 3 intents/s/user).
 * A token bucket of capacity 1: intents start at least 1/rate s apart, with a small safety margin
 * because the server's clock and ours see the requests at slightly different moments.
 */
import type { Clock } from './clock.js';

export class IntentPacer {
  private next = 0;
  private readonly intervalMs: number;

  /** `perSecond` 0 or less disables pacing. */
  constructor(
    perSecond: number,
    private readonly clock: Clock,
    marginFactor = 1.08,
  ) {
    this.intervalMs = perSecond > 0 ? (1000 / perSecond) * marginFactor : 0;
  }

  /** Waits for this caller's slot. Slots are handed out in call order. */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = this.clock.now();
    const slot = Math.max(now, this.next);
    this.next = slot + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now, signal);
  }

  /** After a 429, push every later slot back by the server's Retry-After (ms). */
  backOff(ms: number): void {
    this.next = Math.max(this.next, this.clock.now() + ms);
  }
}
