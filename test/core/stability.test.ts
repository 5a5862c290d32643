/**
 * src/core/plan/stability.ts — one rule for every file (issue 11): ready once size and mtime have been
 * stable for stableMs AND the container check says whole; a truncated file waits (and is named once after
 * slowAfterMs); a file that is deleted is dropped. Real files in a temp folder, short times.
 */
import { appendFileSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkContainer } from '../../src/core/plan/integrity.js';
import { StabilityGate, type StableFile } from '../../src/core/plan/stability.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';

const dir = mkdtempSync(path.join(tmpdir(), 'piximmo-stability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gate(extra: Partial<ConstructorParameters<typeof StabilityGate>[0]> = {}) {
  const ready: StableFile[] = [];
  const slow: [string, string | undefined][] = [];
  const g = new StabilityGate({ stableMs: 300, pollMs: 50, slowAfterMs: 800, check: checkContainer, onReady: (f) => ready.push(f), onSlow: (f, r) => slow.push([f.relPath, r]), ...extra });
  return { g, ready, slow };
}

describe('StabilityGate', () => {
  it('a file still growing is reported once, whole, after it stops', async () => {
    const jpeg = makeJpeg({ seed: 1, padTo: 200_000 });
    const file = path.join(dir, 'grow.jpg');
    writeFileSync(file, jpeg.subarray(0, 20_000));
    const { g, ready } = gate();
    g.track(file, 'grow.jpg');
    for (let at = 20_000; at < jpeg.length; at += 20_000) {
      await sleep(100);
      appendFileSync(file, jpeg.subarray(at, at + 20_000));
    }
    await sleep(900);
    g.close();
    expect(ready.map((f) => [f.relPath, f.bytes])).toEqual([['grow.jpg', jpeg.length]]);
  });

  it('a truncated JPEG that stops changing waits, is named once, and is reported when whole', async () => {
    const jpeg = makeJpeg({ seed: 2, padTo: 100_000 });
    const file = path.join(dir, 'cut.jpg');
    writeFileSync(file, jpeg.subarray(0, 60_000));
    const { g, ready, slow } = gate();
    g.track(file, 'cut.jpg');
    await sleep(1200); // stable for far longer than 300 ms, but not whole
    expect(ready).toEqual([]);
    expect(g.pending).toBe(1);
    expect(slow).toHaveLength(1);
    expect(slow[0][0]).toBe('cut.jpg');
    expect(slow[0][1]).toBeTruthy(); // the container check's reason
    appendFileSync(file, jpeg.subarray(60_000));
    await sleep(800);
    g.close();
    expect(ready.map((f) => f.bytes)).toEqual([jpeg.length]);
    expect(slow).toHaveLength(1);
  });

  it('a deleted file is dropped; tracking twice reports once', async () => {
    const a = path.join(dir, 'a.jpg');
    const b = path.join(dir, 'b.jpg');
    writeFileSync(a, makeJpeg({ seed: 3, padTo: 10_000 }));
    writeFileSync(b, makeJpeg({ seed: 4, padTo: 10_000 }));
    const { g, ready } = gate();
    g.track(a, 'a.jpg');
    g.track(b, 'b.jpg');
    g.track(b, 'b.jpg');
    unlinkSync(a);
    await sleep(800);
    expect(ready.map((f) => f.relPath)).toEqual(['b.jpg']);
    expect(g.pending).toBe(0);
    g.close();
  });
});
