/**
 * headSource (src/core/exif/makernotes/tiff.ts): the container checks' reads of a file's head from one read —
 * the same bytes as direct reads, one read of the file for any number of reads inside the head, reads past
 * it as they are, and nothing handed out is written again.
 */
import { describe, expect, it } from 'vitest';
import { bufferSource, type ByteSource, headSource } from '../../src/core/exif/makernotes/tiff.js';

function counting(buf: Buffer): { src: ByteSource; reads: () => number; bytes: () => number } {
  const inner = bufferSource(buf);
  let n = 0;
  let b = 0;
  return {
    src: { size: inner.size, read: (p, l) => (n++, (b += Math.max(0, Math.min(l, inner.size - p))), inner.read(p, l)) },
    reads: () => n,
    bytes: () => b,
  };
}

const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

describe('headSource', () => {
  it('answers like the source it wraps, inside the head, across its end and past it', async () => {
    const { src } = counting(bytes);
    const h = headSource(src, 100);
    const cases: [number, number][] = [[0, 4], [2, 10], [96, 4], [98, 10], [500, 300], [990, 50], [1000, 5], [-1, 3], [0, 0], [250, 100]];
    for (const [p, l] of cases) expect(Buffer.compare(await h.read(p, l), await bufferSource(bytes).read(Math.max(p, 0), p < 0 ? 0 : l))).toBe(0);
  });

  it('many small reads inside the head read the source once; reads past it read only what they ask for', async () => {
    const { src, reads, bytes: read } = counting(bytes);
    const h = headSource(src, 256);
    const first = await h.read(0, 4);
    const kept = Buffer.from(first);
    for (let p = 4; p < 250; p += 7) await h.read(p, 4);
    expect(reads()).toBe(1);
    await h.read(600, 4);
    await h.read(900, 4);
    expect(reads()).toBe(3);
    expect(read()).toBe(256 + 8);
    expect(Buffer.compare(first, kept)).toBe(0);
  });

  it('a source shorter than its size (a file shrunk since it was measured) gives short reads, as before', async () => {
    const inner: ByteSource = { size: 1000, read: async (p, l) => bytes.subarray(p, Math.min(p + l, 40)) };
    const h = headSource(inner, 256);
    expect((await h.read(30, 20)).length).toBe(10);
    expect((await h.read(100, 4)).length).toBe(0);
    expect((await h.read(999, 1)).length).toBe(0);
  });
});
