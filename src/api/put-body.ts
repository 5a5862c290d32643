/**
 * The body of a PUT to a signed URL: a byte range of a local file streamed from disk (never held in memory),
 * with progress and bandwidth hooks, and the file's own read failures told apart from the network's.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { BufferPool } from '../core/buffer-pool.js';
import { readFully } from '../core/read-fully.js';
import { ApiError } from './errors.js';

/** A byte range of a local file to PUT (whole file, or one multipart part). */
export interface PutSource {
  path: string;
  /** First byte, inclusive. */
  start: number;
  /** Number of bytes. */
  length: number;
}

/** errno codes that mean the local file could not be read (deleted, permissions, disk), not the network. */
const FILE_READ_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EIO', 'EISDIR', 'EBADF', 'ENXIO', 'ESTALE', 'ENODEV']);

/**
 * Bytes per read of a PUT body (128 KiB). Measured, 200 × 8 MB into the nginx sink, 3 runs each, when every
 * chunk was a fresh buffer: 32 KiB 6.0–6.5 s, 64 KiB 5.4–5.5 s, 128 KiB 5.0–5.3 s, 256 KiB 5.3–5.7 s wall.
 */
export const PUT_CHUNK_BYTES = 128 * 1024;

/** Bytes per read under a bandwidth limit (64 KiB): smaller reads keep the paced rate smooth. */
export const THROTTLED_CHUNK_BYTES = 64 * 1024;

/**
 * The PUT bodies' read buffers, {@link PUT_CHUNK_BYTES} each, kept across PUTs (32 kept: two for each of 16
 * transfers). Issue 15, peak RSS: two fresh buffers per PUT were 200 MB of garbage for 1,000 × 200 KB, freed
 * only at V8's next scavenge; 17–26 MB of them were seen waiting at once (process.memoryUsage().arrayBuffers).
 */
const putChunkBuffers = new BufferPool(PUT_CHUNK_BYTES, 32);

/**
 * The read buffers of one PUT body. They go back to the shared pool only when nothing can read them any more:
 * the body was read to its end (every chunk handed to the consumer, and the next one asked for) and the server
 * answered 2xx — it took the whole body (Content-Length), so every byte has left the socket. After any other
 * end (an error, a cut connection, an early answer) a socket may still hold a chunk, or the reader still run:
 * the buffers are left to the garbage collector.
 */
export class ChunkLease {
  private readonly held: Buffer[] = [];
  private readToEnd = false;

  /** A buffer of PUT_CHUNK_BYTES for this body (readRange). */
  take(): Buffer {
    const buf = putChunkBuffers.take();
    this.held.push(buf);
    return buf;
  }

  /** The body was read to its end (readRange, once the consumer asked for the chunk after the last). */
  finished(): void {
    this.readToEnd = true;
  }

  /** The request is over: `accepted` = the server answered 2xx. Gives the buffers back when that is safe (see the class). */
  settle(accepted: boolean): void {
    if (accepted && this.readToEnd) for (const buf of this.held) putChunkBuffers.release(buf);
    this.held.length = 0;
  }
}

/**
 * Streams bytes [start, start+length) of a file, reporting each chunk; {@link PUT_CHUNK_BYTES} reads
 * ({@link THROTTLED_CHUNK_BYTES} under --bwlimit). Throws ApiError: kind `file` (the file could not be read)
 * or `protocol` FILE_CHANGED (it shrank while being sent).
 *
 * The chunks are views of two buffers that take turns (issue 15: peak RSS). A fresh buffer per chunk made
 * 1.6 GB of garbage for 200 × 8 MB, and V8 let up to 64 MB of it pile up between collections. Reusing a
 * buffer is safe because the consumer, undici's iterable body writer, asks for the next chunk only once
 * `socket.write` returned true or the socket drained, and a Writable returns false for any chunk of at least
 * its high-water mark (16 KiB in Node 20, 64 KiB from Node 22): after a full chunk, the next one is asked
 * for only when everything before it is on the wire. Buffer A is refilled for chunk n+2, so even a consumer
 * that kept one chunk more would be safe. The local server's R2 put checks every body's SHA-256, so a
 * consumer breaking this would fail the end-to-end tests, not pass silently.
 */
export async function* readRange(
  src: PutSource,
  onBytes: (n: number) => void,
  onError: (e: ApiError) => void,
  throttle?: (n: number) => Promise<void>,
  lease?: ChunkLease,
): AsyncIterable<Uint8Array> {
  if (src.length === 0) return;
  const chunkBytes = Math.min(throttle ? THROTTLED_CHUNK_BYTES : PUT_CHUNK_BYTES, src.length);
  let file: FileHandle | undefined;
  let sent = 0;
  try {
    file = await open(src.path, 'r');
    const turns: Buffer[] = [];
    for (let turn = 0; sent < src.length; turn ^= 1) {
      const want = Math.min(chunkBytes, src.length - sent);
      // Without a lease the second buffer is only as large as what is left: a file of 1.5 chunks takes 1.5 chunks of memory.
      const buf = (turns[turn] ??= lease ? lease.take() : Buffer.allocUnsafeSlow(want));
      const got = await readFully(file, buf.subarray(0, want), src.start + sent);
      if (got === 0) break; // the file ended early: FILE_CHANGED below
      if (throttle) await throttle(got);
      sent += got;
      onBytes(got);
      yield buf.subarray(0, got);
      if (got < want) break;
    }
  } catch (err) {
    if (err instanceof ApiError) throw err; // e.g. aborted while waiting for bandwidth
    // Only the file's own read errors are file problems; anything else (a reset connection reaching the
    // generator) stays a network error, retried with backoff (SPEC "Errors").
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!FILE_READ_ERRORS.has(code)) throw err;
    const e = new ApiError({ kind: 'file', code, message: `the file could not be read (${code})`, operation: 'PUT signed URL', cause: err });
    onError(e);
    throw e;
  } finally {
    await file?.close().catch(() => undefined);
  }
  if (sent !== src.length) {
    // The file shrank under us: never send a torn object (SPEC: a changed file is uploaded again).
    const e = new ApiError({
      kind: 'protocol',
      code: 'FILE_CHANGED',
      message: `the file changed while it was being sent (${sent} of ${src.length} bytes read)`,
      operation: 'PUT signed URL',
    });
    onError(e);
    throw e;
  }
  lease?.finished();
}
