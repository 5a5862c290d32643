/**
 * src/core/transfer/prepare-ahead.ts — files are prepared (hashed) in order, at most a window ahead of the upload
 * workers, by count and by bytes; the first file ahead always goes, however big.
 */
import { describe, expect, it } from 'vitest';
import type { PlannedFile } from '../../src/core/transfer/events.js';
import { DEFAULT_WINDOW, PrepareAhead } from '../../src/core/transfer/prepare-ahead.js';
import { settle } from './_fake-clock.js';

const file = (name: string, bytes = 10): PlannedFile => ({ relPath: name, name, bytes }) as unknown as PlannedFile;

/** A prepare function that records what it was asked and finishes when told. */
function recorder() {
  const started: string[] = [];
  const running = new Set<string>();
  let maxRunning = 0;
  const finishers = new Map<string, () => void>();
  return {
    started,
    get maxRunning() {
      return maxRunning;
    },
    prepare: (f: PlannedFile): Promise<string> => {
      started.push(f.relPath);
      running.add(f.relPath);
      maxRunning = Math.max(maxRunning, running.size);
      return new Promise<string>((resolve) => {
        finishers.set(f.relPath, () => {
          running.delete(f.relPath);
          resolve(`sum-${f.relPath}`);
        });
      });
    },
    finish: async (name: string) => {
      finishers.get(name)!();
      await settle();
    },
    finishAll: async () => {
      for (const [name, fin] of finishers) if (running.has(name)) fin();
      await settle();
    },
  };
}

describe('PrepareAhead', () => {
  it('has a default window big enough for a full batch of intents', () => {
    expect(DEFAULT_WINDOW.files).toBeGreaterThanOrEqual(50);
    expect(DEFAULT_WINDOW.bytes).toBeGreaterThan(100 * 1000 * 1000);
  });

  /** An instant prepare that records the order of preparations. */
  function instant() {
    const started: string[] = [];
    return { started, prepare: async (f: PlannedFile) => (started.push(f.relPath), `sum-${f.relPath}`) };
  }

  it('prepares in order and never has more than `files` prepared-but-not-started', async () => {
    const ahead = new PrepareAhead<string>(1, { files: 3, bytes: 1e12 });
    const files = Array.from({ length: 10 }, (_, i) => file(`f${i}`));
    const rec = instant();
    const results = ahead.schedule(files, rec.prepare);
    await settle();
    expect(rec.started).toEqual(['f0', 'f1', 'f2']);
    const uploading = new Set<string>();
    for (const f of files) {
      ahead.started(f);
      uploading.add(f.relPath);
      await settle();
      expect(rec.started.filter((n) => !uploading.has(n)).length).toBeLessThanOrEqual(3);
    }
    expect(rec.started).toEqual(files.map((f) => f.relPath));
    expect(await results.get(files[9])).toBe('sum-f9');
  });

  it('never has more than `bytes` prepared-but-not-started', async () => {
    const ahead = new PrepareAhead<string>(1, { files: 100, bytes: 100 });
    const files = [file('a', 40), file('b', 40), file('c', 40), file('d', 10), file('e', 60)];
    const rec = instant();
    ahead.schedule(files, rec.prepare);
    await settle();
    expect(rec.started).toEqual(['a', 'b']); // 80 bytes; c would make 120
    ahead.started(files[0]);
    await settle();
    expect(rec.started).toEqual(['a', 'b', 'c', 'd']); // b + c + d = 90
    ahead.started(files[1]);
    await settle();
    expect(rec.started).toEqual(['a', 'b', 'c', 'd']); // c + d + e = 110 > 100: e waits
    ahead.started(files[2]);
    await settle();
    expect(rec.started).toEqual(['a', 'b', 'c', 'd', 'e']); // d + e = 70
  });

  it('always lets the first file ahead go, however big', async () => {
    const ahead = new PrepareAhead<string>(1, { files: 1, bytes: 100 });
    const files = [file('huge', 10_000), file('next', 5), file('video', 5_000)];
    const rec = instant();
    ahead.schedule(files, rec.prepare);
    await settle();
    expect(rec.started).toEqual(['huge']);
    ahead.started(files[0]);
    await settle();
    expect(rec.started).toEqual(['huge', 'next']);
    ahead.started(files[1]);
    await settle();
    expect(rec.started).toEqual(['huge', 'next', 'video']);
  });

  it('a file started (or dropped) twice does not free room twice', async () => {
    const ahead = new PrepareAhead<string>(1, { files: 2, bytes: 1e12 });
    const files = Array.from({ length: 5 }, (_, i) => file(`f${i}`));
    const rec = instant();
    ahead.schedule(files, rec.prepare);
    await settle();
    expect(rec.started).toEqual(['f0', 'f1']);
    ahead.started(files[0]);
    ahead.started(files[0]);
    await settle();
    expect(rec.started).toEqual(['f0', 'f1', 'f2']);
  });

  // Regression (found by these tests, fixed in 7755b77): the window check and the reservation were not
  // atomic, so the files p-limit started together (and all waiters woken by one started()) passed the
  // same check and overshot the window by up to hashConcurrency − 1 files.
  it('the window holds with several hashers at once (hashConcurrency 4, window 3 files)', async () => {
    const ahead = new PrepareAhead<string>(4, { files: 3, bytes: 1e12 });
    const files = Array.from({ length: 10 }, (_, i) => file(`f${i}`));
    const rec = instant();
    ahead.schedule(files, rec.prepare);
    await settle();
    expect(rec.started).toEqual(['f0', 'f1', 'f2']); 
  });

  it('with two hashers (engine default), two files bigger than the byte window do not go at once', async () => {
    const ahead = new PrepareAhead<string>(2, { files: 64, bytes: 512 });
    const rec = instant();
    ahead.schedule([file('video1', 400), file('video2', 400)], rec.prepare);
    await settle();
    expect(rec.started).toEqual(['video1']); // 800 > 512: the second waits
  });

  it('runs at most hashConcurrency preparations at once', async () => {
    const ahead = new PrepareAhead<string>(2, { files: 50, bytes: 1e12 });
    const files = Array.from({ length: 8 }, (_, i) => file(`f${i}`));
    const rec = recorder();
    const results = ahead.schedule(files, rec.prepare);
    await settle();
    expect(rec.started).toEqual(['f0', 'f1']);
    for (let i = 0; i < 8; i++) await rec.finishAll();
    await Promise.all(files.map((f) => results.get(f)));
    expect(rec.maxRunning).toBe(2);
    expect(rec.started).toEqual(files.map((f) => f.relPath));
  });

  it('keeps a rejection for the caller without an unhandled rejection, and goes on with the next files', async () => {
    const ahead = new PrepareAhead<string>(1, { files: 10, bytes: 1e12 });
    const files = [file('gone'), file('ok')];
    const results = ahead.schedule(files, async (f) => {
      if (f.relPath === 'gone') throw new Error('ENOENT');
      return 'fine';
    });
    await settle();
    await expect(results.get(files[0])).rejects.toThrow('ENOENT');
    await expect(results.get(files[1])).resolves.toBe('fine');
  });

  // Regression (found by these tests, fixed in e32f408): started(f) for a file whose preparation had not
  // begun did nothing, and the file later entered the window for good; once the leaks filled the window
  // (64 files or 512 MB) the run hung.
  it('a file whose upload started before its preparation began does not hold the window for ever', async () => {
    const ahead = new PrepareAhead<string>(1, { files: 1, bytes: 1e12 });
    const [a, b, c] = [file('a'), file('b'), file('c')];
    const rec = recorder();
    ahead.schedule([a, b, c], rec.prepare);
    await settle();
    expect(rec.started).toEqual(['a']);
    ahead.started(b); // a worker picked b up while b is still queued behind a
    await rec.finish('a');
    ahead.started(a);
    await settle();
    expect(rec.started).toEqual(['a', 'b']);
    await rec.finish('b');
    // b's upload is under way already: c may be prepared now
    expect(rec.started).toEqual(['a', 'b', 'c']);
  });
});

