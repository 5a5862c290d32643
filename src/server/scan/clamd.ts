/**
 * A clamd client speaking INSTREAM over any duplex byte stream (issue 16: "the same protocol to a clamd the
 * operator runs … reached from the Worker over a TCP socket"). Runs in workerd (socket from
 * `cloudflare:sockets`, scan/socket.ts) and in Node (local/node-socket.ts, used by tests and the local server).
 *
 * Wire format (clamd(8), "INSTREAM"; checked against clamd 1.4.6):
 *   → `zINSTREAM\0`, then chunks `<u32 big-endian length><bytes>`, then a zero-length chunk `00 00 00 00`.
 *   ← one reply terminated by `\0`: `stream: OK` | `stream: <SIGNATURE> FOUND` |
 *     `INSTREAM size limit exceeded. ERROR` (the stream passed clamd's StreamMaxLength) | `<text> ERROR`.
 *   → `zPING\0` ← `PONG\0`.
 * clamd answers a size-limit breach as soon as it happens and closes the connection, so the reply is read
 * concurrently with sending: a write that fails after clamd answered is not a connection failure.
 *
 * Errors: `ScannerUnavailableError` (connect refused, connection lost or no reply within the timeout — the
 * caller retries later), `ScanSizeLimitError` (the stream passed StreamMaxLength), `ScannerError` (any other
 * `… ERROR` reply, e.g. clamd out of memory).
 */

/** A bidirectional byte stream: what `cloudflare:sockets` `connect()` returns, and what Node adapts to. */
export interface DuplexSocket {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  close(): Promise<void>;
}

/** Opens a TCP connection to `hostname:port`; may throw, or fail later on the first read or write. */
export type Connect = (address: { hostname: string; port: number }) => DuplexSocket;

/** clamd could not be reached, or the connection broke before a reply. */
export class ScannerUnavailableError extends Error {
  /** True when the connection broke while bytes were still being sent (and no reply was read). */
  readonly duringSend: boolean;
  constructor(message: string, duringSend = false) {
    super(message);
    this.duringSend = duringSend;
    this.name = 'ScannerUnavailableError';
  }
}

/** clamd refused the stream as longer than its StreamMaxLength (`INSTREAM size limit exceeded. ERROR`). */
export class ScanSizeLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanSizeLimitError';
  }
}

/** clamd answered with an error other than the size limit. */
export class ScannerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScannerError';
  }
}

/** One INSTREAM answer. `signature` is clamd's name, e.g. "Eicar-Test-Signature.UNOFFICIAL". */
export type ClamdVerdict = { kind: 'clean' } | { kind: 'infected'; signature: string };

export interface ClamdClientOptions {
  hostname: string;
  port: number;
  connect: Connect;
  /** Milliseconds for one command from connect to reply; default 120000 (clamd's own MaxScanTime). */
  timeoutMs?: number;
}

/** Largest INSTREAM chunk sent at once (bytes); bigger source chunks are split. */
const MAX_CHUNK = 1024 * 1024;

const enc = new TextEncoder();

/** Parses a reply (without the trailing NUL) into a verdict; throws ScanSizeLimitError / ScannerError. */
export function parseInstreamReply(reply: string): ClamdVerdict {
  const r = reply.replace(/\0+$/, '').trim();
  if (r === 'stream: OK') return { kind: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(r);
  if (found) return { kind: 'infected', signature: found[1] };
  if (/size limit exceeded/i.test(r)) throw new ScanSizeLimitError(r);
  if (r === '') throw new ScannerUnavailableError('clamd closed the connection without a reply');
  throw new ScannerError(r);
}

function frame(chunk: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + chunk.byteLength);
  new DataView(out.buffer).setUint32(0, chunk.byteLength);
  out.set(chunk, 4);
  return out;
}

async function* chunksOf(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    for (let i = 0; i < source.byteLength; i += MAX_CHUNK) yield source.subarray(i, i + MAX_CHUNK);
    return;
  }
  const iterable: AsyncIterable<Uint8Array> =
    Symbol.asyncIterator in source ? (source as AsyncIterable<Uint8Array>) : readerIterable(source as ReadableStream<Uint8Array>);
  for await (const c of iterable) {
    for (let i = 0; i < c.byteLength; i += MAX_CHUNK) yield c.subarray(i, i + MAX_CHUNK);
  }
}

async function* readerIterable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (value && value.byteLength > 0) yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Reads until the first NUL or the end of the stream; resolves with the text before the NUL. */
async function readReply(readable: ReadableStream<Uint8Array>): Promise<string> {
  const reader = readable.getReader();
  const dec = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += dec.decode(value, { stream: true });
      const nul = text.indexOf('\0');
      if (nul >= 0) return text.slice(0, nul);
    }
  } finally {
    reader.releaseLock();
  }
}

/** Longest wait for clamd's PONG, ms. */
export const PING_TIMEOUT_MS = 10_000;

export class ClamdClient {
  readonly hostname: string;
  readonly port: number;
  private readonly connect: Connect;
  private readonly timeoutMs: number;

  constructor(opts: ClamdClientOptions) {
    this.hostname = opts.hostname;
    this.port = opts.port;
    this.connect = opts.connect;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  /** "clamd://host:port", for messages. */
  get address(): string {
    return `clamd://${this.hostname}:${this.port}`;
  }

  /**
   * True when clamd answers PONG within `timeoutMs` (default PING_TIMEOUT_MS, or the client's own timeout if
   * shorter). Never throws. A PING is answered at once by a healthy clamd: it does not get the scans' budget,
   * so a clamd that accepts connections but hangs (shutting down, stuck) reads as down in seconds.
   */
  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
    try {
      const reply = await this.command(async (w) => {
        await w.write(enc.encode('zPING\0'));
      }, Math.min(timeoutMs, this.timeoutMs));
      return reply.trim() === 'PONG';
    } catch {
      return false;
    }
  }

  /**
   * Streams `source` to clamd with INSTREAM. The whole source is one scan: it must not be longer than
   * clamd's StreamMaxLength (else ScanSizeLimitError; scan/windows.ts splits longer objects).
   */
  async instream(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array): Promise<ClamdVerdict> {
    let reply: string;
    try {
      reply = await this.command(async (w) => {
        await w.write(enc.encode('zINSTREAM\0'));
        for await (const c of chunksOf(source)) await w.write(frame(c));
        await w.write(new Uint8Array(4));
      });
    } catch (e) {
      // clamd closes at once after "size limit exceeded"; when the client's next write meets the reset,
      // the kernel may drop the unread reply. A clamd that still answers PING did not fail: it was the limit.
      if (e instanceof ScannerUnavailableError && e.duringSend && (await this.ping())) {
        throw new ScanSizeLimitError(`INSTREAM size limit exceeded (clamd closed the stream mid-way and still answers PING): ${e.message}`);
      }
      throw e;
    }
    return parseInstreamReply(reply);
  }

  /** Connects, runs `send` while reading the reply, closes; errors as in the file comment. */
  private async command(send: (w: WritableStreamDefaultWriter<Uint8Array>) => Promise<void>, timeoutMs = this.timeoutMs): Promise<string> {
    let socket: DuplexSocket;
    try {
      socket = this.connect({ hostname: this.hostname, port: this.port });
    } catch (e) {
      throw new ScannerUnavailableError(`${this.address}: ${errText(e)}`);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ScannerUnavailableError(`${this.address}: no reply within ${timeoutMs} ms`)), timeoutMs);
    });
    const replyP = readReply(socket.readable);
    replyP.catch(() => undefined);
    const writer = socket.writable.getWriter();
    let sendError: unknown = null;
    let sendEnded = false;
    const sent = send(writer).then(
      () => {
        sendEnded = true;
      },
      (e: unknown) => {
        sendError = e;
        sendEnded = true;
      },
    );
    try {
      let reply: string;
      try {
        reply = await Promise.race([replyP, timeout]);
      } catch (e) {
        if (e instanceof ScannerUnavailableError) throw e;
        throw new ScannerUnavailableError(`${this.address}: ${errText(sendError ?? e)}`, sendError !== null || !sendEnded);
      }
      if (reply === '') {
        // The connection ended without an answer: name the write error if there was one.
        await Promise.race([sent, new Promise((r) => setTimeout(r, 1000))]);
        throw new ScannerUnavailableError(`${this.address}: ${sendError ? errText(sendError) : 'closed without a reply'}`, sendError !== null);
      }
      return reply; // a reply can come before the sending ended (size limit): the rest is dropped on close
    } finally {
      clearTimeout(timer);
      writer.releaseLock();
      await socket.close().catch(() => undefined);
    }
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
