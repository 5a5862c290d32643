/**
 * blockSource (src/core/exif/makernotes/tiff.ts): the container checks' reads in blocks — the same bytes as
 * direct reads, fewer reads of the file, and nothing handed out is written again.
 */
import { describe, expect, it } from 'vitest';
import { blockSource, bufferSource, type ByteSource } from '../../src/core/exif/makernotes/tiff.js';

function counting(buf: Buffer): { src: ByteSource; reads: () => number } {
  const inner = bufferSource(buf);
  let n = 0;
  return {
    src: { size: inner.size, read: (p, l) => (n++, inner.read(p, l)) },
    reads: () => n,
  };
}

const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

describe('blockSource', () => {
  it('answers like the source it wraps, for reads inside, across and past a block', async () => {
    const { src, reads } = counting(bytes);
    const b = blockSource(src, 100);
    const cases: [number, number][] = [[0, 4], [2, 10], [96, 4], [98, 10], [500, 300], [990, 50], [1000, 5], [-1, 3], [0, 0], [250, 100]];
    for (const [p, l] of cases) expect(Buffer.compare(await b.read(p, l), await bufferSource(bytes).read(Math.max(p, 0), p < 0 ? 0 : l))).toBe(0);
    expect(reads()).toBeLessThan(cases.length);
  });

  it('small reads inside one block read the source once; buffers handed out stay as they were', async () => {
    const { src, reads } = counting(bytes);
    const b = blockSource(src, 256);
    const first = await b.read(0, 4);
    const kept = Buffer.from(first);
    for (let p = 4; p < 200; p += 7) await b.read(p, 4);
    expect(reads()).toBe(1);
    await b.read(600, 4);
    expect(reads()).toBe(2);
    expect(Buffer.compare(first, kept)).toBe(0);
  });

  it('a source shorter than its size (a file shrunk since it was measured) gives short reads, as before', async () => {
    const inner: ByteSource = { size: 1000, read: async (p, l) => bytes.subarray(p, Math.min(p + l, 400)) };
    const b = blockSource(inner, 256);
    expect((await b.read(380, 40)).length).toBe(20);
    expect((await b.read(999, 1)).length).toBe(0);
  });
});
