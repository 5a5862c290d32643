/**
 * Issue 15: a run of large files drops `--optimize-for-size` once planned (CPU, not memory, is what the flag
 * costs there); runs of small files keep it (src/cli/v8-tuning.ts).
 */
import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LARGE_FILE_MEAN_BYTES, tuneV8ForRun } from '../../src/cli/v8-tuning.js';

describe('tuneV8ForRun', () => {
  afterEach(() => vi.restoreAllMocks());

  it('drops --optimize-for-size for a mean file size from 1 MiB, keeps it below and for an empty run', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    expect(tuneV8ForRun(0, 0)).toBe(false);
    expect(tuneV8ForRun(1000, 1000 * 200_000)).toBe(false); // 1,000 × 200 KB
    expect(tuneV8ForRun(10, 10 * LARGE_FILE_MEAN_BYTES - 1)).toBe(false);
    expect(set).not.toHaveBeenCalled();
    expect(tuneV8ForRun(10, 10 * LARGE_FILE_MEAN_BYTES)).toBe(true);
    expect(tuneV8ForRun(200, 200 * 8_000_000)).toBe(true); // 200 × 8 MB
    expect(set.mock.calls).toEqual([['--no-optimize-for-size'], ['--no-optimize-for-size']]);
  });
});
