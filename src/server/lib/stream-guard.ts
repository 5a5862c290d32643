/**
 * Size guard for upload bodies. R2 `put`/`uploadPart` need a stream of known length, so the body is
 * piped through a byte counter (errors once more than `maxBytes` pass) into a FixedLengthStream of
 * `expectedBytes` (errors when the body ends short or runs long).
 *
 * SPEC "PUT signed_url": 413 when the body is larger than the intent's `bytes` — Content-Length is
 * checked by the route first; this guard catches bodies that lie about or omit it.
 *
 * The counter always withholds the latest chunk until the next one (or the end) arrives, so R2 never
 * sees the complete `expectedBytes` from a body that then runs long: an oversized body fails the
 * R2 write instead of being stored truncated.
 */

export interface GuardedBody {
  /** Readable of exactly `expectedBytes` bytes, for R2. */
  stream: ReadableStream<Uint8Array>;
  /** True once the body exceeded `maxBytes` (→ 413). */
  readonly tooLarge: boolean;
  /** Bytes counted so far. */
  readonly seen: number;
  /** Settles when the pipe ends; never rejects (errors surface through `stream`). */
  done: Promise<void>;
}

export function guardBody(
  body: ReadableStream<Uint8Array> | null,
  expectedBytes: number,
  maxBytes: number,
): GuardedBody {
  let seen = 0;
  let tooLarge = false;
  let held: Uint8Array | null = null;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      seen += chunk.byteLength;
      if (seen > maxBytes) {
        tooLarge = true;
        held = null;
        ctl.error(new Error(`body larger than ${maxBytes} bytes`));
        return;
      }
      if (held) ctl.enqueue(held);
      held = chunk;
    },
    flush(ctl) {
      if (held) ctl.enqueue(held);
      held = null;
    },
  });
  const fixed = new FixedLengthStream(expectedBytes);
  const source = body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
  const done = source
    .pipeThrough(counter)
    .pipeTo(fixed.writable)
    .catch(() => undefined);
  return {
    stream: fixed.readable as ReadableStream<Uint8Array>,
    get tooLarge() {
      return tooLarge;
    },
    get seen() {
      return seen;
    },
    done,
  };
}

/** Parsed Content-Length, or null when absent/malformed. */
export function contentLength(headers: Headers): number | null {
  const v = headers.get('Content-Length');
  if (v === null || !/^\d+$/.test(v.trim())) return null;
  return Number(v.trim());
}

/** Largest refused body read to the end before answering (bytes); bigger ones are cancelled. */
export const DRAIN_LIMIT = 64 * 1024 * 1024;

/**
 * Reads and discards a request body we refuse (e.g. 413 by Content-Length), so that the client sees
 * our answer instead of a connection reset while it is still sending. Stops (cancels the body) after
 * `limit` bytes. Never throws.
 */
export async function drainBody(body: ReadableStream<Uint8Array> | null, limit = DRAIN_LIMIT): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      n += value.byteLength;
      if (n > limit) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // client went away: nothing to drain
  }
}
