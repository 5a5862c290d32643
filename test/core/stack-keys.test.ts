/**
 * SPEC v2 stack identity on the client: content stack keys (src/core/plan/stack-keys.ts), keys remembered
 * from the manifest (src/core/transfer/stack-memory.ts), the dry-run review (src/core/plan/stack-review.ts),
 * and the server's next-free rule (src/server/domain/stack-allocation.ts).
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExifMeta } from '../../src/contract/api.js';
import { frameFingerprint, StackKeyBook, stackKeyOf } from '../../src/core/plan/stack-keys.js';
import { reviewStacks } from '../../src/core/plan/stack-review.js';
import type { FileFacts, PlannedFile } from '../../src/core/transfer/events.js';
import { rememberStackKeys } from '../../src/core/transfer/stack-memory.js';
import { nextFreeStackId } from '../../src/server/domain/stack-allocation.js';

const dir = mkdtempSync(path.join(tmpdir(), 'piximmo-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function frame(rel: string, meta: ExifMeta = {}, size = 200_000, root = dir): FileFacts {
  const abs = path.join(root, rel);
  mkdirSync(path.dirname(abs), { recursive: true });
  const b = Buffer.alloc(size, n++ % 251);
  b.write(`frame ${rel} ${n}`, 0);
  writeFileSync(abs, b);
  const [room, label, stack] = rel.split('/');
  return { absPath: abs, relPath: rel, name: path.basename(rel), mime: 'image/jpeg', bytes: size, mtimeMs: 0, room_type: room, room_label: label, stack_id: stack, meta };
}

const at = (s: number, ev?: number): ExifMeta => ({ captured_at: `2025-03-01T10:00:${String(s).padStart(2, '0')}`, ev, make: 'Canon', model: 'R5', serial: '1' });

describe('frameFingerprint', () => {
  it('depends on the bytes, not the path; small and large files', async () => {
    const a = frame('x/A/g001/a.jpg', {}, 1000);
    const big = frame('x/A/g001/big.jpg', {}, 300_000);
    const copy = path.join(dir, 'copy.jpg');
    cpSync(a.absPath, copy);
    expect(await frameFingerprint(copy, 1000)).toBe(await frameFingerprint(a.absPath, 1000));
    expect(await frameFingerprint(big.absPath, 300_000)).not.toBe(await frameFingerprint(a.absPath, 1000));
  });

  it('is SHA-256 of "size\\n", the first 64 KiB and the last 64 KiB — unchanged, so keys stay the same across versions', async () => {
    // Sizes: one end only, two ends touching (one read), two ends with a gap (two reads), exactly 64 KiB.
    for (const size of [1000, 65_536, 100_000, 131_072, 300_000]) {
      const f = frame(`fp/A/g001/${size}.jpg`, {}, size);
      const bytes = readFileSync(f.absPath);
      const h = createHash('sha256').update(`${size}\n`).update(bytes.subarray(0, Math.min(65_536, size)));
      if (size > 65_536) h.update(bytes.subarray(size - Math.min(65_536, size - 65_536)));
      expect(await frameFingerprint(f.absPath, size), `size ${size}`).toBe(h.digest('hex'));
    }
    // A file gone since the scan: from its name and size, never an error.
    const gone = createHash('sha256').update('10\nunreadable\ngone.jpg').digest('hex');
    expect(await frameFingerprint(path.join(dir, 'gone.jpg'), 10)).toBe(gone);
  });
});

describe('StackKeyBook', () => {
  it('two folders with Stack 1 in one room type: two keys, the later proposes the next free id; frames counted', async () => {
    const items = [
      frame('bedroom/Schlafzimmer 1/g001/1.jpg', at(0, -2)),
      frame('bedroom/Schlafzimmer 1/g001/2.jpg', at(1, 0)),
      frame('bedroom/Schlafzimmer 2/g001/3.jpg', at(10, -2)),
      frame('bedroom/Schlafzimmer 2/g001/4.jpg', at(11, 0)),
      frame('bedroom/Schlafzimmer 2/g001/5.jpg', at(12, 2)),
    ];
    await new StackKeyBook().add(items);
    expect(items.map((i) => i.stack_id)).toEqual(['g001', 'g001', 'g002', 'g002', 'g002']);
    expect(items.map((i) => i.folder_stack_id)).toEqual(['g001', 'g001', 'g001', 'g001', 'g001']);
    expect(items.map((i) => i.stack_frames)).toEqual([2, 2, 3, 3, 3]);
    expect(items[0].stack_key).toBe(items[1].stack_key);
    expect(items[2].stack_key).not.toBe(items[0].stack_key);
    expect(items[0].stack_key).toMatch(/^sk1-[0-9a-f]{64}$/);
  });

  it('the same on another machine (another root) and when frames arrive later (watch)', async () => {
    const items = [frame('kitchen/Küche/g003/1.jpg', at(20, -2)), frame('kitchen/Küche/g003/2.jpg', at(21, 0)), frame('kitchen/Küche/g003/3.jpg', at(22, 2))];
    await new StackKeyBook().add(items);
    const other = mkdtempSync(path.join(tmpdir(), 'piximmo-keys2-'));
    try {
      cpSync(path.join(dir, 'kitchen'), path.join(other, 'kitchen'), { recursive: true });
      const moved = items.map((i) => ({ ...i, absPath: path.join(other, i.relPath), stack_id: 'g003', stack_key: undefined, folder_stack_id: undefined }));
      const book = new StackKeyBook();
      await book.add(moved.slice(0, 1)); // the first frame alone, then the rest
      await book.add(moved.slice(1));
      expect(moved.map((i) => i.stack_key)).toEqual(items.map((i) => i.stack_key));
      expect(moved.map((i) => i.stack_frames)).toEqual([3, 3, 3]);
      // Planned at once in another order of arrival: the anchor (first capture) decides.
      const again = moved.map((i) => ({ ...i, stack_key: undefined }));
      await new StackKeyBook().add([again[2], again[0], again[1]]);
      expect(again.map((i) => i.stack_key)).toEqual(items.map((i) => i.stack_key));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('rememberStackKeys', () => {
  const shoot = {} as PlannedFile['shoot'];
  const pf = (relPath: string, key: string): PlannedFile => ({ relPath, stack_key: key, shoot }) as PlannedFile;

  it('a stack keeps the key its frames were sent with; a key claimed by two stacks stays with the first', () => {
    const files = [pf('a/1', 'new-A'), pf('a/2', 'new-A'), pf('b/1', 'new-B'), pf('c/1', 'new-C')];
    const sent: Record<string, string> = { 'a/1': 'old-A', 'a/2': 'old-A', 'b/1': 'old-A', 'c/1': 'new-C' };
    rememberStackKeys(files, { get: (p: string) => (sent[p] ? ({ stack_key: sent[p] } as never) : undefined) });
    expect(files.map((f) => f.stack_key)).toEqual(['old-A', 'old-A', 'new-B', 'new-C']);
  });
});

describe('reviewStacks (dry-run warnings)', () => {
  const item = (rel: string, meta: ExifMeta): FileFacts => ({ absPath: rel, relPath: rel, name: rel, mime: 'image/jpeg', bytes: 10, mtimeMs: 0, room_type: 'livingroom', room_label: 'Wohnzimmer', stack_id: 'g001', meta });

  it('mixed cameras, a span over 3 minutes, a repeated EV; RAW + JPEG of one shot count once', () => {
    const ok = reviewStacks([item('a.CR3', at(0, -2)), item('a.JPG', at(0, -2)), item('b.CR3', at(1, 0)), item('c.CR3', at(2, 2))]);
    expect(ok[0]).toMatchObject({ files: 4, ev: [-2, 0, 2], warnings: [], cameras: ['Canon R5 #1'] });
    const bad = reviewStacks([
      item('a.JPG', at(0, -2)),
      item('b.JPG', { ...at(1, 0), serial: '2' }),
      item('c.JPG', { ...at(2, 2), captured_at: '2025-03-01T10:09:00' }),
      item('d.JPG', { ...at(3, -2), captured_at: '2025-03-01T10:09:01' }),
    ]);
    expect(bad[0].warnings).toEqual(['MIXED_CAMERAS', 'LONG_SPAN', 'EV_REPEATED']);
    expect(bad[0].repeated_ev).toEqual([-2]);
  });
});

describe('nextFreeStackId (server)', () => {
  it('highest gNNN + 1; other ids ignored', () => {
    expect(nextFreeStackId([])).toBe('g001');
    expect(nextFreeStackId(['g001', 'g007', 's000', 'x12'])).toBe('g008');
    expect(nextFreeStackId(['g999'])).toBe('g1000');
  });
});

describe('StackKeyBook reads only the anchor candidates', () => {
  it('the key is stackKeyOf over every frame, with ties and frames without a capture time', async () => {
    const cases = [
      [at(5, 0), at(6, -2), at(7, 2)], // one earliest frame: only it is read
      [at(5, 0), at(5, -2), at(7, 2)], // a tie on the earliest: both read, the fingerprint decides
      [{}, {}, {}], // no capture time at all: every frame is a candidate
      [{}, at(9, 0), {}], // the one with a time comes first
    ];
    for (const [c, metas] of cases.entries()) {
      const items = metas.map((m, i) => frame(`living/R${c}/g001/${i}.jpg`, m));
      const all = await Promise.all(items.map(async (i) => ({ meta: i.meta, fingerprint: await frameFingerprint(i.absPath, i.bytes) })));
      await new StackKeyBook().add(items);
      expect(items[0].stack_key).toBe(stackKeyOf(all));
    }
  });

  it('a non-anchor frame that cannot be read does not change the key (it is not read)', async () => {
    const items = [frame('kitchen/K/g001/a.jpg', at(1, 0)), frame('kitchen/K/g001/b.jpg', at(2, -2))];
    const expected = stackKeyOf([{ meta: items[0].meta, fingerprint: await frameFingerprint(items[0].absPath, items[0].bytes) }]);
    rmSync(items[1].absPath);
    await new StackKeyBook().add(items);
    expect(items.map((i) => i.stack_key)).toEqual([expected, expected]);
  });
});
