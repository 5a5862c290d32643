/**
 * Hashing ahead of uploading (issue 5: "a file's SHA-256 is ready before its turn comes"): files are
 * prepared (stat + SHA-256) in upload order by a small pool of their own, at most a window ahead of the
 * upload workers — by count (so batches of intents can be asked for) and by bytes (so hashing does not
 * run far ahead of the link on big files and compete with the uploads for the disk).
 */
import pLimit from 'p-limit';
import type { PlannedFile } from './events.js';

export interface AheadWindow {
  /** Most files prepared but not yet started. */
  files: number;
  /** Most bytes prepared but not yet started. */
  bytes: number;
}

/** Enough files for a full batch of intents; bytes bound the big-file case. */
export const DEFAULT_WINDOW: AheadWindow = { files: 64, bytes: 512 * 1024 * 1024 };

export class PrepareAhead<T> {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly ahead = new Set<PlannedFile>();
  /** Files whose upload began before their preparation did: they never count as ahead. */
  private readonly begun = new WeakSet<PlannedFile>();
  private aheadBytes = 0;
  private wakeups: (() => void)[] = [];

  constructor(
    hashConcurrency: number,
    private readonly window: AheadWindow = DEFAULT_WINDOW,
  ) {
    this.limit = pLimit(Math.max(1, hashConcurrency));
  }

  /**
   * Starts preparing `files` in order; returns each file's result promise (rejections are kept for the
   * caller to await; they are not unhandled).
   */
  schedule(files: PlannedFile[], prepare: (f: PlannedFile) => Promise<T>): Map<PlannedFile, Promise<T>> {
    const out = new Map<PlannedFile, Promise<T>>();
    for (const f of files) {
      const p = this.limit(async () => {
        if (!this.begun.has(f)) await this.reserve(f);
        return prepare(f);
      });
      p.catch(() => undefined);
      out.set(f, p);
    }
    return out;
  }

  /** The upload of `f` began (or `f` left the run): the window moves on. */
  started(f: PlannedFile): void {
    this.begun.add(f);
    if (this.ahead.delete(f)) this.aheadBytes -= f.bytes;
    const w = this.wakeups;
    this.wakeups = [];
    for (const wake of w) wake();
  }

  /** Waits for room in the window, then takes it — check and take with no await between them. */
  private async reserve(f: PlannedFile): Promise<void> {
    // The first file ahead always goes, however big: otherwise one large file would wait forever.
    while (!this.begun.has(f) && this.ahead.size > 0 && (this.ahead.size >= this.window.files || this.aheadBytes + f.bytes > this.window.bytes)) {
      await new Promise<void>((r) => this.wakeups.push(r));
    }
    if (this.begun.has(f)) return;
    this.ahead.add(f);
    this.aheadBytes += f.bytes;
  }
}
