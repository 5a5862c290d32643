/**
 * Issue 15 "memory flat in the number of files": PrepareAhead keeps entries only for files near the upload
 * workers (being prepared, prepared but not taken, taken before their preparation began), never one per file
 * of the run, and forgets every file once it is taken and prepared.
 */
import { describe, expect, it } from 'vitest';
import type { PlannedFile } from '../../src/core/transfer/events.js';
import { PrepareAhead } from '../../src/core/transfer/prepare-ahead.js';
import { settle } from './_fake-clock.js';

const file = (i: number): PlannedFile => ({ relPath: `f${i}`, bytes: 10 }) as unknown as PlannedFile;

describe('PrepareAhead memory', () => {
  it('holds entries only for the window, however many files the run has', async () => {
    const ahead = new PrepareAhead<string>(2, { files: 8, bytes: 1e12 });
    const files = Array.from({ length: 2_000 }, (_, i) => file(i));
    ahead.schedule(files, async (f) => f.relPath);
    await settle();
    let most = 0;
    for (const f of files) {
      expect(await ahead.take(f)).toBe(f.relPath);
      most = Math.max(most, ahead.held);
      await settle();
    }
    await settle();
    expect(most).toBeLessThanOrEqual(8 + 2);
    expect(ahead.held).toBe(0);
  });

  it('files taken before any hasher reached them (Ctrl-C: every file leaves at once) are forgotten too', async () => {
    const ahead = new PrepareAhead<string>(1, { files: 4, bytes: 1e12 });
    const files = Array.from({ length: 500 }, (_, i) => file(i));
    ahead.schedule(files, async (f) => {
      if (f.relPath !== 'f0') throw new Error('aborted');
      return f.relPath;
    });
    const answers = files.map((f) => ahead.take(f));
    await expect(answers[0]).resolves.toBe('f0');
    await expect(answers[499]).rejects.toThrow('aborted');
    await settle();
    expect(ahead.held).toBe(0);
  });

  it('a file taken while its hasher waits for room does not take room afterwards', async () => {
    const ahead = new PrepareAhead<string>(1, { files: 1, bytes: 1e12 });
    const [a, b, c] = [file(0), file(1), file(2)];
    const begun: string[] = [];
    ahead.schedule([a, b, c], async (f) => (begun.push(f.relPath), f.relPath));
    await settle();
    expect(begun).toEqual(['f0']); // b waits for room
    const pb = ahead.take(b); // b's upload begins first
    await settle();
    expect(begun).toEqual(['f0', 'f1']);
    expect(await pb).toBe('f1');
    await settle();
    expect(begun).toEqual(['f0', 'f1']); // a still ahead and holds the one place: c waits
    await ahead.take(a);
    await settle();
    expect(begun).toEqual(['f0', 'f1', 'f2']);
  });
});
