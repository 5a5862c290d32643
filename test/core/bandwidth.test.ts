/** --bwlimit: the token bucket keeps the rate within ±10 % over a simulated 30 s, and rates parse. */
import { describe, expect, it } from 'vitest';
import { BandwidthLimiter, parseRate } from '../../src/core/transfer/bandwidth.js';
import type { Clock } from '../../src/core/transfer/clock.js';

/** A clock that only moves when someone sleeps. */
function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

describe('BandwidthLimiter', () => {
  it('four transfers sending 64 KiB chunks for 30 s move 5 MB/s ± 10 % in all', async () => {
    const clock = fakeClock();
    const limiter = new BandwidthLimiter(5_000_000, clock);
    let sent = 0;
    const transfer = async (): Promise<void> => {
      while (clock.t < 30_000) {
        await limiter.take(65_536);
        sent += 65_536;
      }
    };
    await Promise.all([transfer(), transfer(), transfer(), transfer()]);
    const rate = sent / (clock.t / 1000);
    expect(rate).toBeGreaterThan(4_500_000);
    expect(rate).toBeLessThan(5_500_000);
  });

  it('parses rates: decimal and binary units, with or without B and /s', () => {
    expect(parseRate('5M')).toBe(5_000_000);
    expect(parseRate('800K')).toBe(800_000);
    expect(parseRate('2MiB')).toBe(2 * 1024 * 1024);
    expect(parseRate('512KiB/s')).toBe(524_288);
    expect(parseRate('1.5MB/s')).toBe(1_500_000);
    expect(parseRate('1000')).toBe(1000);
    for (const bad of ['', 'fast', '0', '-5M', '5X']) expect(() => parseRate(bad), bad).toThrow();
  });
});
