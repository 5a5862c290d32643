/**
 * src/core/transfer/engine.ts — files enter the files window one at a time, in order (issue 15: "memory flat
 * in the number of files": no closure or gate entry per waiting file), still first come, first served: a large
 * file at the head waits for room rather than being overtaken by the small files behind it (window.ts).
 */
import { describe, expect, it } from 'vitest';
import { UploadEngine } from '../../src/core/transfer/engine.js';
import { sha256File } from '../../src/core/transfer/hash.js';
import { useSandbox } from './_engine-fixture.js';

const t = useSandbox();

describe('UploadEngine admission', () => {
  it('a large file at the head of the queue is not overtaken by the small files behind it', async () => {
    const { files } = await t.sandbox.shoot('ORD-1', { 'a.jpg': 'x'.repeat(60), 'b.jpg': 'y'.repeat(80), 'c.jpg': 'c', 'd.jpg': 'd' });
    const gate = { minCount: 1, maxCount: 10, bytes: 100 };
    const eng = new UploadEngine({ api: t.api, hashFile: sha256File, clock: t.clock }, { concurrency: 1, intentRate: 0, window: { files: gate, transfers: gate } });
    let duringA: string[] = ['not run'];
    t.api.onPut = async (url) => {
      if (!url.includes('a.jpg')) return undefined;
      const before = t.api.log.length;
      await new Promise((r) => setTimeout(r, 30)); // a holds its place: c and d would fit beside it, b would not
      duringA = t.api.log.slice(before);
      return undefined;
    };
    const result = await eng.run(files);
    expect(result.outcomes.map((o) => [o.file.relPath, o.state])).toEqual([
      ['a.jpg', 'registered'],
      ['b.jpg', 'registered'],
      ['c.jpg', 'registered'],
      ['d.jpg', 'registered'],
    ]);
    // b (80 bytes) could not join a (60) within 100 bytes; c and d (1 byte each) would have fitted, but wait their turn.
    expect(duringA).toEqual([]); // nothing overtook b while a was on the wire
    expect(t.api.log.filter((l) => l.startsWith('put')).map((l) => l.split('/').pop()?.split('?')[0])).toEqual(['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']);
    expect(t.api.intents.map((i) => i.filename)).toEqual(['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']);
  });

  it('many files in a small window: every file once, outcomes in the files\' order', async () => {
    const names = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`f${String(i).padStart(3, '0')}.jpg`, `content ${i}`]));
    const { files } = await t.sandbox.shoot('ORD-1', names);
    const eng = new UploadEngine({ api: t.api, hashFile: sha256File, clock: t.clock }, { concurrency: 2, filesInFlight: 3, intentRate: 0 });
    const result = await eng.run(files);
    expect(result.outcomes.map((o) => o.file.relPath)).toEqual(files.map((f) => f.relPath));
    expect(result.outcomes.every((o) => o.state === 'registered')).toBe(true);
    expect(new Set(t.api.intents.map((i) => i.filename)).size).toBe(120);
  });
});
