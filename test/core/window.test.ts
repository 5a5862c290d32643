/**
 * src/core/transfer/window.ts — the engine's two gates bounded by count and bytes (issue 15): large files
 * keep `--concurrency`, small files go many at once within the byte budget, first come first served.
 */
import { describe, expect, it } from 'vitest';
import { countWindow, FILES_PER_SLOT, firstWave, Gate, MAX_SMALL_TRANSFERS, smallFileWindow } from '../../src/core/transfer/window.js';

const MB = 1024 * 1024;

/** Starts `sizes` through the gate in order, each held until released; returns the peak count and a release-all. */
function hold(gate: Gate, sizes: number[]) {
  let now = 0;
  let peak = 0;
  const order: number[] = [];
  const releases: (() => void)[] = [];
  const done = sizes.map((b, i) =>
    gate.run(b, async () => {
      order.push(i);
      peak = Math.max(peak, ++now);
      await new Promise<void>((r) => releases.push(r));
      now--;
    }),
  );
  return { peak: () => peak, order, releaseOne: () => releases.shift()?.(), all: () => Promise.all(done), releases };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Gate', () => {
  it('large files: never more than minCount (--concurrency) at once', async () => {
    const g = new Gate(smallFileWindow(4).transfers);
    const h = hold(g, Array(10).fill(8 * MB));
    await tick();
    expect(g.inFlight.count).toBe(4);
    while (h.order.length < 10 || h.releases.length > 0) {
      h.releaseOne();
      await tick();
    }
    await h.all();
    expect(h.peak()).toBe(4);
  });

  it('small files: many at once within the byte budget, capped at MAX_SMALL_TRANSFERS', async () => {
    const g = new Gate(smallFileWindow(4).transfers);
    hold(g, Array(40).fill(100_000));
    await tick();
    expect(g.inFlight.count).toBe(MAX_SMALL_TRANSFERS);
    const g2 = new Gate(smallFileWindow(4).transfers);
    hold(g2, Array(40).fill(900_000)); // 4 always; a 5th would pass the 4 MiB budget
    await tick();
    expect(g2.inFlight.count).toBe(4);
  });

  it('first come, first served: a large file at the head is not overtaken by small ones behind it', async () => {
    const g = new Gate({ minCount: 1, maxCount: 10, bytes: 1 * MB });
    const h = hold(g, [500_000, 2 * MB, 1000, 1000]);
    await tick();
    expect(h.order).toEqual([0]); // the 2 MB file waits for room; the small ones wait behind it
    h.releaseOne();
    await tick();
    expect(h.order).toEqual([0, 1]); // alone (minCount), it goes
    h.releaseOne();
    await tick();
    expect(h.order).toEqual([0, 1, 2, 3]);
    h.releaseOne();
    h.releaseOne();
    await h.all();
  });

  it('count-only window (the engine default): exactly concurrency, whatever the sizes', async () => {
    const g = new Gate(countWindow(2).transfers);
    const h = hold(g, [1, 1, 1, 1]);
    await tick();
    expect(g.inFlight.count).toBe(2);
    for (let i = 0; i < 4; i++) {
      h.releaseOne();
      await tick();
    }
    await h.all();
    expect(h.peak()).toBe(2);
  });

  it('a failing run gives its room back', async () => {
    const g = new Gate({ minCount: 1, maxCount: 1, bytes: 0 });
    await expect(g.run(10, async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(g.inFlight).toEqual({ count: 0, bytes: 0 });
    expect(await g.run(10, async () => 'ok')).toBe('ok');
  });

  it('smallFileWindow: FILES_PER_SLOT × --concurrency large files in flight (sent ones wait for their confirmation while others are sent), still --concurrency transfers', async () => {
    const w = smallFileWindow(4);
    const files = hold(new Gate(w.files), Array.from({ length: 30 }, () => 8 * MB));
    const transfers = hold(new Gate(w.transfers), Array.from({ length: 30 }, () => 8 * MB));
    await tick();
    expect(files.peak()).toBe(4 * FILES_PER_SLOT);
    expect(transfers.peak()).toBe(4);
    files.releaseOne();
    await tick();
    expect(files.order).toHaveLength(4 * FILES_PER_SLOT + 1); // the next one entered in order
    while (files.releases.length) files.releaseOne();
    while (transfers.releases.length || transfers.order.length < 30) {
      transfers.releaseOne();
      files.releaseOne();
      await tick();
    }
    await Promise.all([files.all(), transfers.all()]);
  });

  it('smallFileWindow: --concurrency 1 still allows a few small files; files in flight ≥ transfers', () => {
    const w = smallFileWindow(1);
    expect(w.transfers).toEqual({ minCount: 1, maxCount: 8, bytes: MB });
    expect(w.files.maxCount).toBeGreaterThanOrEqual(w.transfers.maxCount);
    expect(smallFileWindow(20).transfers.maxCount).toBe(20); // a higher --concurrency wins
  });
});

describe('firstWave (the upload connections a run opens ahead, api/warm-sockets.ts)', () => {
  it('is what the gate lets in at once: 12 small files, 4 large ones, 4 + what fits after a large head', async () => {
    const limits = smallFileWindow(4).transfers;
    expect(firstWave(limits, Array(300).fill(100_000))).toBe(MAX_SMALL_TRANSFERS);
    expect(firstWave(limits, Array(6).fill(8_000_000))).toBe(4);
    expect(firstWave(limits, [])).toBe(0);
    expect(firstWave(limits, [8_000_000, 100_000, 100_000, 100_000, 100_000, 100_000])).toBe(4); // beyond 4: the budget is spent
    // the same count the gate itself admits
    const sizes = [300_000, 300_000, 300_000, 300_000, 300_000, 300_000, 300_000];
    const h = hold(new Gate(limits), sizes);
    await tick();
    expect(firstWave(limits, sizes)).toBe(h.peak());
    while (h.order.length < sizes.length || h.releases.length > 0) {
      h.releaseOne();
      await tick();
    }
    await h.all();
  });
});
