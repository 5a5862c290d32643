/**
 * Scanning an object of any size with a scanner that takes at most `windowBytes` per stream (clamd's
 * StreamMaxLength; issue 16: "Files above the scanner's stream limit are scanned in chunks or marked as such,
 * never skipped silently").
 *
 * An object up to `windowBytes` is one INSTREAM. A longer one is scanned as overlapping windows
 * `[0, W)`, `[W−O, 2W−O)`, … (W = windowBytes, O = overlapBytes, default min(1 MiB, W/4)), so that a byte
 * pattern up to O bytes long is always wholly inside some window. What a windowed scan cannot see is a
 * signature over the whole file (a hash signature, or a format parsed from its header): the result says how
 * many windows were scanned, and the scan step records it in `status_reason` (`SCANNED_IN_WINDOWS`).
 * When clamd still answers "size limit exceeded" (its StreamMaxLength is below the configured window), the
 * window is halved and the scan restarts, down to 64 KiB; below that the ScanSizeLimitError is thrown.
 * The first infected window ends the scan. ScannerUnavailableError / ScannerError pass through.
 */
import { type ClamdClient, ScanSizeLimitError } from './clamd.js';

/** Reads `length` bytes of the object from `offset`. */
export interface ScanSource {
  /** Bytes. */
  size: number;
  open(offset: number, length: number): Promise<ReadableStream<Uint8Array> | Uint8Array>;
}

export interface ScanWindow {
  /** Bytes from the start of the object. */
  offset: number;
  /** Bytes. */
  length: number;
}

export type ScanResult =
  | { verdict: 'clean'; windows: number; windowBytes: number }
  | { verdict: 'infected'; signature: string; windows: number; windowBytes: number; offset: number };

/** Smallest window the halving goes down to (bytes). */
export const MIN_WINDOW = 64 * 1024;

/** Default overlap of windows (bytes) for a window of `windowBytes`. */
export function defaultOverlap(windowBytes: number): number {
  return Math.min(1024 * 1024, Math.floor(windowBytes / 4));
}

/** The windows covering `size` bytes; one window `[0, size)` when it fits. Throws on overlap >= window. */
export function planWindows(size: number, windowBytes: number, overlapBytes = defaultOverlap(windowBytes)): ScanWindow[] {
  if (!(windowBytes > 0)) throw new Error(`window must be > 0 bytes, got ${windowBytes}`);
  if (overlapBytes < 0 || overlapBytes >= windowBytes) throw new Error(`overlap ${overlapBytes} must be >= 0 and < window ${windowBytes}`);
  if (size <= windowBytes) return [{ offset: 0, length: size }];
  const step = windowBytes - overlapBytes;
  const out: ScanWindow[] = [];
  for (let offset = 0; ; offset += step) {
    const length = Math.min(windowBytes, size - offset);
    out.push({ offset, length });
    if (offset + length >= size) return out;
  }
}

/** Scans `source` in windows of at most `windowBytes` (see the file comment). */
export async function scanInWindows(
  client: ClamdClient,
  source: ScanSource,
  windowBytes: number,
  overlapBytes?: number,
): Promise<ScanResult> {
  let w = Math.floor(windowBytes);
  for (;;) {
    const windows = planWindows(source.size, w, overlapBytes !== undefined && overlapBytes < w ? overlapBytes : defaultOverlap(w));
    try {
      for (const win of windows) {
        const v = await client.instream(await source.open(win.offset, win.length));
        if (v.kind === 'infected') return { verdict: 'infected', signature: v.signature, windows: windows.length, windowBytes: w, offset: win.offset };
      }
      return { verdict: 'clean', windows: windows.length, windowBytes: w };
    } catch (e) {
      if (!(e instanceof ScanSizeLimitError) || w <= MIN_WINDOW) throw e;
      w = Math.max(MIN_WINDOW, Math.floor(w / 2));
    }
  }
}
