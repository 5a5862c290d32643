/**
 * Positioned reads of a bounded part of a file, for the container checks in integrity.ts: never reads past
 * `size` (the size the caller saw) and never holds more than one read's bytes.
 */
import type { FileHandle } from 'node:fs/promises';

/**
 * The verdict: whole, or not whole with a short code-like English reason ('jpeg-no-eoi',
 * 'bmff-box-overruns', 'tiff-offset-outside', 'raf-offset-outside', 'png-no-iend', 'file-shorter-than-size', …).
 */
export type ContainerCheck = { whole: true } | { whole: false; reason: string };

export const WHOLE: ContainerCheck = { whole: true };

export function notWhole(reason: string): ContainerCheck {
  return { whole: false, reason };
}

/** Read size of one chunk while scanning JPEG entropy-coded data, in bytes. */
export const CHUNK = 64 * 1024;

export interface ByteSource {
  /** The size checked against, in bytes. */
  readonly size: number;
  /**
   * Up to `length` bytes at `offset`; shorter when the range passes `size` or the end of the file on disk
   * (a file shrunk since it was measured), empty when `offset` is at or past either.
   */
  read(offset: number, length: number): Promise<Buffer>;
}

export function openByteSource(handle: FileHandle, size: number): ByteSource {
  return {
    size,
    async read(offset: number, length: number): Promise<Buffer> {
      const n = Math.max(0, Math.min(length, size - offset));
      if (n === 0 || offset < 0) return Buffer.alloc(0);
      const buf = Buffer.alloc(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await handle.read(buf, got, n - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === n ? buf : buf.subarray(0, got);
    },
  };
}
