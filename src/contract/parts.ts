/**
 * Multipart arithmetic (SPEC "Multipart"), one definition for the CLI (src/core/transfer/multipart.ts, which
 * cuts the file) and the server (src/server/routes/multipart*.ts, which signs each part for its exact size).
 * Parts are `partSize` bytes (>= MIN_PART_SIZE), all equal but the last; at most MAX_PARTS parts. Bytes.
 */

/** S3/R2 minimum size of every part but the last: 5 MiB. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** S3/R2 maximum number of parts of one multipart upload. */
export const MAX_PARTS = 10_000;

const MiB = 1024 * 1024;

/** Number of parts (>= 1) of a file of `bytes` in parts of `partSize`. */
export function partCount(bytes: number, partSize: number): number {
  return Math.max(1, Math.ceil(bytes / partSize));
}

/** Byte range of part `n` (1-based): offset and length (0 past the end). */
export function partRange(n: number, bytes: number, partSize: number): { start: number; length: number } {
  const start = (n - 1) * partSize;
  return { start, length: Math.max(0, Math.min(partSize, bytes - start)) };
}

/** Part size the server uses for a file of `bytes`: `configured`, raised to whole MiB if it would need > MAX_PARTS parts. */
export function effectivePartSize(bytes: number, configured: number): number {
  if (Math.ceil(bytes / configured) <= MAX_PARTS) return configured;
  return Math.ceil(bytes / MAX_PARTS / MiB) * MiB;
}
