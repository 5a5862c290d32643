/**
 * How much the engine runs at once (issue 15 "make small files fill the far link"). Two gates, each
 * bounded by a count AND by bytes in flight:
 * - **files**: between intent and finalize (a file holds its place while it asks for its intent, sends and
 *   waits for its confirmation), so one file's round trips overlap the others' transfers;
 * - **transfers**: PUTs (or multipart uploads) on the wire at once.
 *
 * Rule of each gate: a file may enter while fewer than `minCount` are in (that is `--concurrency` for
 * transfers: large files are never held back by the byte budget), or while fewer than `maxCount` are in
 * and the bytes in, with this file's, stay within `bytes`. So 4 × 8 MB files keep `--concurrency 4`, while
 * 100 KB files go many at once: on a far link each small file costs a round trip or two of its own (its
 * PUT's answer, its batch's confirmation), and only many of them in flight keep the uplink busy (80 ms ×
 * 40 Mbit/s is already 400 KB on the wire). Entry is first come, first served: a large file at the head
 * waits for room rather than being overtaken by every small file behind it.
 *
 * Shapes: counts are files, `bytes` are file sizes in bytes (the whole file counts from entry to exit).
 */

/** One gate's limits. */
export interface GateLimits {
  /** Always admitted below this count, whatever the bytes (≥ 1). */
  minCount: number;
  /** Never more than this count (≥ minCount). */
  maxCount: number;
  /** Bytes in, above `minCount`, at most this many. */
  bytes: number;
}

export interface WindowLimits {
  files: GateLimits;
  transfers: GateLimits;
}

/** Small-file budget per `--concurrency` slot, bytes: 4 slots → 4 MiB of small files on the wire. */
export const SMALL_BYTES_PER_SLOT = 1024 * 1024;
/**
 * Most small-file transfers at once (unless `--concurrency` is higher). 12 × 100 KB in flight already cover
 * the far links' bandwidth-delay products with each PUT's own round trip (hotel Wi-Fi: 40 Mbit/s × 80 ms =
 * 400 KB); more only opened more connections (the HTTP pool has 16 per origin, shared with the API calls
 * when storage and API share an origin) and, on the local server, more cut connections (issue 15 traces).
 */
export const MAX_SMALL_TRANSFERS = 12;

/**
 * Files in flight per `--concurrency` slot, whatever their size (6: 24 at the default 4). A file keeps its
 * place from its intent until its confirmation. With 2 a slot, 8 MB files already sent held every place while
 * their batch confirmation was under way, and nothing was sent meanwhile (200 × 8 MB into the nginx sink, a
 * `--json` timeline: no PUT running for 2.4 of 7.5 s). Measured there (issue 15), 1–3 runs each: 2 a slot
 * 7.7–8.3 s, 4 a slot 7.5 s, 6 a slot 5.7–7.0 s, 8 a slot 6.0 s. Only their count is bounded this way: a
 * waiting file holds its intent, not its bytes.
 */
export const FILES_PER_SLOT = 6;

/**
 * Small files in flight per small-file transfer (8: 96 at the default `--concurrency 4`). A small file spends
 * most of its time in flight waiting for its intent batch and its confirmation batch, not sending: with 3 a
 * transfer (36 files), 1,000 × 200 KB into the nginx sink confirmed 36 files a batch and the run sent at
 * ~290 files/s, every transfer idle while a batch confirmation was under way (a `--json` timeline, issue 15).
 * Measured there: 3 a transfer 4.1 s for the upload, 8 a transfer 2.9 s, 16 a transfer 2.9 s. A waiting file
 * holds its intent (a signed URL, a few hundred bytes), not its bytes.
 */
export const SMALL_FILES_PER_TRANSFER = 8;

/**
 * The CLI's policy for `--concurrency n` (SPEC default 4): n transfers of any size; up to
 * MAX_SMALL_TRANSFERS small ones within n × 1 MiB; SMALL_FILES_PER_TRANSFER times as many small files in
 * flight as transfers (their intents and confirmations overlap other files' transfers), and FILES_PER_SLOT × n
 * of any size.
 */
export function smallFileWindow(concurrency: number, filesInFlight = concurrency * FILES_PER_SLOT): WindowLimits {
  const n = Math.max(1, concurrency);
  const maxTransfers = Math.max(n, Math.min(MAX_SMALL_TRANSFERS, n * 8));
  const budget = n * SMALL_BYTES_PER_SLOT;
  return {
    transfers: { minCount: n, maxCount: maxTransfers, bytes: budget },
    files: { minCount: Math.max(n, filesInFlight), maxCount: Math.max(filesInFlight, maxTransfers * SMALL_FILES_PER_TRANSFER), bytes: budget * SMALL_FILES_PER_TRANSFER },
  };
}

/** Count-only limits (no byte window): exactly `concurrency` transfers and `filesInFlight` files. */
export function countWindow(concurrency: number, filesInFlight = concurrency): WindowLimits {
  const n = Math.max(1, concurrency);
  const f = Math.max(1, filesInFlight);
  return { transfers: { minCount: n, maxCount: n, bytes: 0 }, files: { minCount: f, maxCount: f, bytes: 0 } };
}

/** The gate rule: below `minCount` always; below `maxCount` while the bytes in, with `bytes`, fit the budget. */
function admits(limits: GateLimits, count: number, inBytes: number, bytes: number): boolean {
  if (count < limits.minCount) return true;
  return count < limits.maxCount && inBytes + bytes <= limits.bytes;
}

/**
 * How many of `sizes` (bytes, in send order) one gate lets in at once before the first leaves: the first
 * wave of PUTs, so a run can open that many upload connections ahead of time (api/warm-sockets.ts).
 */
export function firstWave(limits: GateLimits, sizes: Iterable<number>): number {
  let count = 0;
  let bytes = 0;
  for (const b of sizes) {
    if (!admits(limits, count, bytes, b)) break;
    count++;
    bytes += b;
  }
  return count;
}

/** One first-come-first-served gate bounded by count and bytes. */
export class Gate {
  private count = 0;
  private bytes = 0;
  private readonly queue: { bytes: number; enter: () => void }[] = [];

  constructor(private readonly limits: GateLimits) {}

  /** Runs `fn` once there is room for `bytes`; the room is given back when `fn` settles. */
  async run<T>(bytes: number, fn: () => Promise<T>): Promise<T> {
    await this.enter(bytes);
    try {
      return await fn();
    } finally {
      this.count--;
      this.bytes -= bytes;
      this.drain();
    }
  }

  /** In now: files and bytes (diagnostics, tests). */
  get inFlight(): { count: number; bytes: number } {
    return { count: this.count, bytes: this.bytes };
  }

  private fits(bytes: number): boolean {
    return admits(this.limits, this.count, this.bytes, bytes);
  }

  private enter(bytes: number): Promise<void> {
    if (this.queue.length === 0 && this.fits(bytes)) {
      this.take(bytes);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.queue.push({ bytes, enter: resolve }));
  }

  private take(bytes: number): void {
    this.count++;
    this.bytes += bytes;
  }

  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0].bytes)) {
      const next = this.queue.shift()!;
      this.take(next.bytes);
      next.enter();
    }
  }
}

/** The engine's two gates. */
export class TransferWindow {
  readonly files: Gate;
  readonly transfers: Gate;

  constructor(limits: WindowLimits) {
    this.files = new Gate(limits.files);
    this.transfers = new Gate(limits.transfers);
  }

  /** Runs a file's whole turn (intent → transfer → finalize) when the files gate lets it in. */
  file<T>(bytes: number, fn: () => Promise<T>): Promise<T> {
    return this.files.run(bytes, fn);
  }

  /** Runs a file's transfer when the transfers gate lets it in. */
  transfer<T>(bytes: number, fn: () => Promise<T>): Promise<T> {
    return this.transfers.run(bytes, fn);
  }
}
