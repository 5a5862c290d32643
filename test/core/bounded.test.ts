import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../src/core/plan/bounded.js';

describe('mapBounded (issue 15: bounded planning work)', () => {
  it('keeps the items order in its results and never runs more than `width` calls at once', async () => {
    let running = 0;
    let most = 0;
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = await mapBounded(items, 4, async (n, i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, (n * 7) % 5));
      running--;
      return `${n}:${i}`;
    });
    expect(out).toEqual(items.map((n) => `${n}:${n}`));
    expect(most).toBe(4);
  });

  it('returns [] for no items and rejects with the first error, taking no further items', async () => {
    expect(await mapBounded([], 8, async () => 1)).toEqual([]);
    const started: number[] = [];
    const run = mapBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await Promise.resolve();
      if (n === 2) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started.length).toBeLessThan(6);
  });
});
