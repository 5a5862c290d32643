/**
 * V8 flags for the commands that do work (upload, watch, batch, every API call), set by main() before a
 * command's module loads; `--help`, `--version` and `completion` skip them: loading node:v8 is start-up
 * time (issue 15: --help ≤ 1.3 × `node -e 0`). Used for the npm install (bin/piximmo.js) and the
 * single-file binary (sea.ts) alike. No node flags on the command line: `node bin/piximmo.js` and the
 * binary have no room for them, and a re-exec would double the start-up.
 *
 * - `--liftoff-only`: undici parses HTTP with llhttp compiled to WebAssembly. V8's optimising wasm tier
 *   costs ~35 MB of peak memory (and time) compiling a parser that only ever reads small JSON answers here;
 *   the baseline tier is plenty. Measured on Node 20: peak RSS of one API call 99 → 64 MB, 0.64 → 0.43 s
 *   (issue 5, "peak RSS ≤ 120 MB"). Wasm flags are read when a module compiles, i.e. after this call.
 * - `--semi-space-growth-factor=1`: V8 doubles its young generation (up to 2 × 16 MB semi-spaces on Node
 *   20) whenever enough objects survive a scavenge; streaming a shoot keeps every part of the pipeline busy
 *   at once, so it grows to the top and stays there, ~18 MB of peak RSS that buys nothing: what lives here
 *   is promises and stream state, not data (file bytes are in Buffers outside the V8 heap). Keeping the
 *   semi-spaces at their initial 1 MB costs more, cheaper scavenges. Measured on Node 20, 200 × 8 MB into
 *   the nginx sink: peak RSS 127–131 → 110–113 MB, wall time unchanged within the noise. Unlike
 *   --max-semi-space-size this flag is read at every resize, so it works when set at run time.
 * - `--optimize-for-size` (MEMORY_FLAG, set by {@link tuneV8ForMemory} once a run's first request is on its
 *   way, not here): V8 grows its old generation less eagerly (it counts as "optimise for memory" in the
 *   heap's growing heuristics, read at every GC). Measured on Node 20 at load ~20 (issue 15, "peak RSS
 *   ≤ 100 MB in every upload workload"): 1,000 × 200 KB peak RSS 111 → 87 MB for 6.7 → 7.3 CPU-s; 60 × 8 MB
 *   98 → 97 MB, CPU unchanged. Set from start-up it also slowed loading the CLI before its first request
 *   (issue 15, far link: every ms before /api/me is the photographer's wait): time to `GET /api/me`, 30
 *   paired runs, median 164 → 160 ms (×0.98). Not later than that: planning 20,000 files without it peaks
 *   at 129 MB instead of 102 MB (`upload --dry-run`, 3 runs each).
 */
import v8 from 'node:v8';

export const V8_FLAGS = ['--liftoff-only', '--semi-space-growth-factor=1'] as const;
/** Set once a run is under way (see the file comment). */
export const MEMORY_FLAG = '--optimize-for-size';

/** Sets V8_FLAGS in this process; an engine without a flag keeps its default (no harm, only more memory). */
export function tuneV8(): void {
  for (const flag of V8_FLAGS) setFlag(flag);
}

/**
 * Sets MEMORY_FLAG: `upload` and `batch` right after sending their account request, `watch` when it starts
 * (a long-running process: memory first). {@link tuneV8ForRun} may drop it again for a run of large files.
 */
export function tuneV8ForMemory(): void {
  setFlag(MEMORY_FLAG);
}

/**
 * Mean file size of a run from which `--optimize-for-size` is turned off again, in bytes (1 MiB). Such a run
 * streams large files: its memory is the file bytes passing through (Buffers outside the V8 heap, the same
 * with or without the flag), and the flag's price is CPU. Measured on Node 20, 200 × 8 MB into the nginx sink
 * (issue 15): without the flag from start-up, 4 paired runs, user CPU 5.5–7.0 → 4.2–5.5 s; dropped here once
 * planned (with the JPEG scan's pooled buffers), farm-bench 6 paired runs, medians: user CPU ×0.85, CPU
 * ×0.92, wall ×0.95, peak RSS 108 → 113 MB. Runs of small files (1,000 × 200 KB: 111 → 87 MB with the
 * flag) keep it, as does `watch` (a long-running process: memory first).
 */
export const LARGE_FILE_MEAN_BYTES = 1024 * 1024;

/**
 * Fits the V8 flags to the run once its plan is known: a run of large files (mean ≥ LARGE_FILE_MEAN_BYTES)
 * drops `--optimize-for-size` (read at every GC and compile, so it takes effect from here on).
 * @param files how many files the run will send; @param bytes their total size, in bytes
 * @returns whether the flag was dropped
 */
export function tuneV8ForRun(files: number, bytes: number): boolean {
  const large = files > 0 && bytes / files >= LARGE_FILE_MEAN_BYTES;
  if (large) setFlag('--no-optimize-for-size');
  return large;
}

function setFlag(flag: string): void {
  try {
    v8.setFlagsFromString(flag);
  } catch {
    // an engine without the flag
  }
}
