/**
 * Regression: an upload worker may reach a file before its hashing has begun (more upload workers than
 * hashers). Such a file must never count as "ahead", or the window fills with files that nobody will
 * take out again and the run hangs (seen as Node's exit code 13, "unsettled top-level await").
 */
import { describe, expect, it } from 'vitest';
import { PrepareAhead } from '../../src/core/transfer/prepare-ahead.js';
import type { PlannedFile } from '../../src/core/transfer/events.js';

const file = (i: number): PlannedFile => ({ relPath: `f${i}`, bytes: 10 } as unknown as PlannedFile);

describe('PrepareAhead window', () => {
  it('files started before their preparation began do not fill the window', async () => {
    const ahead = new PrepareAhead<number>(1, { files: 2, bytes: 1e9 });
    const files = Array.from({ length: 20 }, (_, i) => file(i));
    // Every worker starts its file before the single hasher gets to it.
    for (const f of files) ahead.started(f);
    const prepared = ahead.schedule(files, async (f) => Number(f.relPath.slice(1)));
    const results = await Promise.all(files.map((f) => prepared.get(f)!));
    expect(results).toEqual(files.map((_, i) => i));
  });

  it('holds preparation back while the window is full and lets it go as uploads start', async () => {
    const ahead = new PrepareAhead<string>(4, { files: 2, bytes: 1e9 });
    const files = Array.from({ length: 5 }, (_, i) => file(i));
    const begun: string[] = [];
    const prepared = ahead.schedule(files, async (f) => {
      begun.push(f.relPath);
      return f.relPath;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(begun).toEqual(['f0', 'f1']);
    ahead.started(files[0]);
    await prepared.get(files[2]);
    expect(begun).toContain('f2');
    for (const f of files) ahead.started(f);
    expect(await Promise.all(files.map((f) => prepared.get(f)!))).toEqual(files.map((f) => f.relPath));
  });
});
