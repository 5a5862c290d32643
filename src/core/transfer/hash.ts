/**
 * SHA-256 of a file on disk, streamed (SPEC "Per file": size check → SHA-256 → …).
 * The checksum is sent on intent and finalize as lower-case hex (SPEC "API").
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { fileReadBuffers as buffers } from '../buffer-pool.js';

/**
 * Read size per chunk, in bytes (1 MiB): few syscalls, bounded memory. The buffers are kept for the next file
 * (core/buffer-pool.ts: 1 GB of short-lived memory for 1,000 files otherwise).
 */
export const HASH_CHUNK_BYTES = buffers.bytes;

/**
 * SHA-256 of the file at `absPath`, as 64 lower-case hex characters.
 *
 * Reads the file in chunks of {@link HASH_CHUNK_BYTES} into a buffer reused across chunks and files;
 * never holds the whole file. `opts.onBytes(n)` is called after each chunk with that chunk's size in
 * bytes (for progress). `opts.signal` aborts the read: the promise rejects with `signal.reason` (by
 * default a DOMException named `AbortError`), whether it aborted before or during the read (checked
 * per chunk). `opts.content`: the file's bytes, already read whole by the caller (core/transfer/file-prep.ts,
 * a small file read once for its container check and its checksum): hashed as they are, the file not opened.
 *
 * @throws the fs error unchanged (`ENOENT`, `EACCES`, `EISDIR`, …) when the file cannot be read.
 */
export async function sha256File(
  absPath: string,
  opts: { signal?: AbortSignal; onBytes?: (n: number) => void; content?: Uint8Array } = {},
): Promise<string> {
  const { signal, onBytes, content } = opts;
  signal?.throwIfAborted();
  const hash = createHash('sha256');
  if (content) {
    onBytes?.(content.length);
    return hash.update(content).digest('hex');
  }
  const fh = await open(absPath, 'r');
  const buf = buffers.take();
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      onBytes?.(bytesRead);
    }
  } finally {
    // The read is over (finished, failed or aborted between chunks): nothing writes into buf any more.
    buffers.release(buf);
    await fh.close();
  }
  return hash.digest('hex');
}
