/**
 * Read buffers kept for the next file (issue 5 and 15, peak RSS): a shoot is read a few files at a time, so a
 * handful of buffers serve all of it, where a new buffer per file is garbage that V8 frees late and glibc
 * keeps. Used by the whole-file passes ({@link fileReadBuffers}) and the head read of the EXIF step
 * (core/exif/jpeg-head.ts).
 */
export class BufferPool {
  private readonly spare: Buffer[] = [];

  /**
   * @param bytes size of each buffer, in bytes
   * @param keep buffers kept at most (about the reads in flight at once)
   */
  constructor(
    readonly bytes: number,
    private readonly keep: number,
  ) {}

  /** A buffer of `bytes` (contents undefined); give it back with {@link release} once nothing reads or writes it. */
  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafe(this.bytes);
  }

  release(buf: Buffer): void {
    if (this.spare.length < this.keep) this.spare.push(buf);
  }
}

/**
 * 1 MiB read buffers of the passes over whole files: the SHA-256 pass (core/transfer/hash.ts) and the JPEG
 * entropy-data scan of the container check (core/plan/integrity-jpeg.ts). They take turns on a file, so one
 * pool serves both; 8 kept (about the files read at once).
 */
export const fileReadBuffers = new BufferPool(1024 * 1024, 8);
