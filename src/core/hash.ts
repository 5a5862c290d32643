/**
 * SHA-256 of a file on disk, streamed (SPEC "Per file": size check → SHA-256 → …).
 * The checksum is sent on intent and finalize as lower-case hex (SPEC "API").
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Read-ahead per stream chunk, in bytes (1 MiB): few syscalls, bounded memory. */
export const HASH_CHUNK_BYTES = 1024 * 1024;

/**
 * SHA-256 of the file at `absPath`, as 64 lower-case hex characters.
 *
 * Streams the file in chunks of {@link HASH_CHUNK_BYTES}; never holds the whole file in memory.
 * `opts.onBytes(n)` is called after each chunk with that chunk's size in bytes (for progress).
 * `opts.signal` aborts the read: the promise rejects with `signal.reason` (by default a
 * DOMException named `AbortError`), whether it aborted before or during the read.
 *
 * @throws the fs error unchanged (`ENOENT`, `EACCES`, `EISDIR`, …) when the file cannot be read.
 */
export async function sha256File(
  absPath: string,
  opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {},
): Promise<string> {
  const { signal, onBytes } = opts;
  signal?.throwIfAborted();
  const hash = createHash('sha256');
  const stream = createReadStream(absPath, { highWaterMark: HASH_CHUNK_BYTES, signal });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      onBytes?.(chunk.length);
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
  return hash.digest('hex');
}
