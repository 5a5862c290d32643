/**
 * Byte accounting in the body (issue 9, as s3transfer's ReadFileChunk): each read of a file's byte range reports
 * what left for the socket; a read that starts over (a retry, a renewal) reports its own bytes back as a
 * negative delta, and a file sent again from its start takes back everything it reported. Progress thus counts
 * each byte of a file once; `bytes_sent` is counted from these events by `bytesSentBy` (events.ts).
 */
import type { EngineEvent, PlannedFile } from './events.js';

type Emit = (e: EngineEvent) => void;

/** The progress of one file across all its reads (a whole-file PUT, or its parts). */
export class FileMeter {
  /** Net bytes reported for the file so far (resumed parts included). */
  private counted = 0;

  constructor(
    private readonly file: PlannedFile,
    private readonly emit: Emit,
  ) {}

  /** A new read of a byte range (one PUT body): pass its `onBytes` to the client, `restart()` before a new try. */
  read(): BodyRead {
    return new BodyRead((delta) => this.report(delta));
  }

  /** Parts finished by an earlier run: progress, not traffic (`resumed` keeps them out of bytes_sent). */
  resumed(bytes: number): void {
    if (bytes <= 0) return;
    this.counted += bytes;
    this.emit({ type: 'bytes', file: this.file, delta: bytes, resumed: true });
  }

  /** The file is sent again from its start (a new upload): everything reported is taken back. */
  rewind(): void {
    if (this.counted > 0) this.emit({ type: 'bytes', file: this.file, delta: -this.counted });
    this.counted = 0;
  }

  private report(delta: number): void {
    this.counted += delta;
    this.emit({ type: 'bytes', file: this.file, delta });
  }
}

/** One byte range being read into a request body. */
export class BodyRead {
  private read = 0;

  constructor(private readonly report: (delta: number) => void) {}

  /** The client's progress callback: `n` more bytes left for the socket. */
  readonly onBytes = (n: number): void => {
    this.read += n;
    this.report(n);
  };

  /** The read starts over (or is abandoned): its bytes are reported back, once. */
  restart(): void {
    if (this.read > 0) this.report(-this.read);
    this.read = 0;
  }
}
