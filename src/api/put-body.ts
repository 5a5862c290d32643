/**
 * The body of a PUT to a signed URL: a byte range of a local file streamed from disk (never held in memory
 * whole; a range of at most {@link WHOLE_BODY_BYTES} is read in one read and sent as one buffer), with
 * progress and bandwidth hooks, and the file's own read failures told apart from the network's.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { BufferPool } from '../core/buffer-pool.js';
import { readFileAt, readFully } from '../core/read-fully.js';
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
 * A PUT body of at most this many bytes (256 KiB, two chunks) is read whole, in one read, and handed to undici
 * as one buffer (unless under --bwlimit, whose pacing needs chunks). Issue 15, 1,000 × 200 KB into the nginx
 * sink: the chunked body (a generator, undici's iterable writer, two reads and two socket writes a file) was
 * the largest share of the client's main thread in a CPU profile; whole bodies measured ×0.89 wall, ×0.91 CPU
 * (10 paired runs, peak RSS the same). Not larger: the stall watchdog (SPEC: no byte moving for 30 s) sees
 * a chunked body's progress per chunk, a whole body's only at its answer — two chunks at most keeps what it
 * tolerates within twice the chunked body's (at the default 30 s, a link of ≥ 70 kbit/s).
 */
export const WHOLE_BODY_BYTES = 2 * PUT_CHUNK_BYTES;
/** The whole bodies' buffers, {@link WHOLE_BODY_BYTES} each; 12 kept (core/transfer/window.ts MAX_SMALL_TRANSFERS). */
const wholeBodyBuffers = new BufferPool(WHOLE_BODY_BYTES, 12);

/**
 * The read buffers of one PUT body. They go back to the shared pool only when nothing can read them any more:
 * the body was read to its end (every chunk handed to the consumer, and the next one asked for) and the server
 * answered 2xx — it took the whole body (Content-Length), so every byte has left the socket. After any other
 * end (an error, a cut connection, an early answer) a socket may still hold a chunk, or the reader still run:
 * the buffers are left to the garbage collector.
 */
export class ChunkLease {
  private readonly held: [BufferPool, Buffer][] = [];
  private readToEnd = false;

  /** A buffer of PUT_CHUNK_BYTES for this body (readRange). */
  take(): Buffer {
    return this.from(putChunkBuffers);
  }

  /** A buffer of WHOLE_BODY_BYTES for this body (readWholeRange). */
  takeWhole(): Buffer {
    return this.from(wholeBodyBuffers);
  }

  private from(pool: BufferPool): Buffer {
    const buf = pool.take();
    this.held.push([pool, buf]);
    return buf;
  }

  /** The body was read to its end (readRange, once the consumer asked for the chunk after the last). */
  finished(): void {
    this.readToEnd = true;
  }

  /** The request is over: `accepted` = the server answered 2xx. Gives the buffers back when that is safe (see the class). */
  settle(accepted: boolean): void {
    if (accepted && this.readToEnd) for (const [pool, buf] of this.held) pool.release(buf);
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
    const e = asFileError(err);
    if (!e) throw err;
    onError(e);
    throw e;
  } finally {
    await file?.close().catch(() => undefined);
  }
  if (sent !== src.length) {
    const e = changedError(sent, src.length);
    onError(e);
    throw e;
  }
  lease?.finished();
}

/**
 * Reads bytes [start, start+length) of a file whole, in one read, into a buffer of `lease` (length ≤
 * {@link WHOLE_BODY_BYTES}); the PUT body of a small file. Throws ApiError: kind `file` (the file could not
 * be read) or `protocol` FILE_CHANGED (it is shorter now than when it was hashed).
 */
export async function readWholeRange(src: PutSource, lease: ChunkLease): Promise<Buffer> {
  const buf = lease.takeWhole().subarray(0, src.length);
  const got = await readFileAt(src.path, buf, src.start).catch((err: unknown) => {
    throw asFileError(err) ?? err;
  });
  if (got !== src.length) throw changedError(got, src.length);
  lease.finished();
  return buf;
}

/**
 * The file's own read errors as ApiError kind `file`; undefined for anything else (a reset connection reaching
 * the body's reader stays a network error, retried with backoff, SPEC "Errors"), which the caller rethrows.
 */
function asFileError(err: unknown): ApiError | undefined {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (!FILE_READ_ERRORS.has(code)) return undefined;
  return new ApiError({ kind: 'file', code, message: `the file could not be read (${code})`, operation: 'PUT signed URL', cause: err });
}

/** The file shrank under us: never send a torn object (SPEC: a changed file is uploaded again). */
function changedError(read: number, length: number): ApiError {
  return new ApiError({
    kind: 'protocol',
    code: 'FILE_CHANGED',
    message: `the file changed while it was being sent (${read} of ${length} bytes read)`,
    operation: 'PUT signed URL',
  });
}
