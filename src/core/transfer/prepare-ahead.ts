/**
 * Hashing ahead of uploading (issue 5: "a file's SHA-256 is ready before its turn comes"): files are
 * prepared (stat + SHA-256) in upload order by a small pool of their own, at most a window ahead of the
 * upload workers — by count (so batches of intents can be asked for) and by bytes (so hashing does not
 * run far ahead of the link on big files and compete with the uploads for the disk).
 *
 * Memory (issue 15: "memory flat in the number of files"): `hashConcurrency` workers take the next file
 * from a shared index (as plan/bounded.ts's mapBounded), so a result promise and a map entry exist only for
 * files being prepared, prepared but not yet taken, or taken before their preparation began — never one per
 * waiting file (a limiter closure, its promise and a map entry per file made 20,000 files cost tens of MB).
 */
import type { PlannedFile } from './events.js';

export interface AheadWindow {
  /** Most files prepared but not yet started. */
  files: number;
  /** Most bytes prepared but not yet started. */
  bytes: number;
}

/** Enough files for a full batch of intents; bytes bound the big-file case. */
export const DEFAULT_WINDOW: AheadWindow = { files: 64, bytes: 512 * 1024 * 1024 };

/** One file's preparation result, from when its preparation began or someone asked for it. */
interface Entry<T> {
  promise: Promise<T>;
  settle: (p: Promise<T>) => void;
  /** A hasher has begun its preparation (a hasher waiting for room has not: `begun` covers that case). */
  reached: boolean;
  /** The caller is done with it (take/delete): the entry goes once a hasher has reached the file. */
  dropped: boolean;
}

/** A run's view of its files' preparations (schedule's answer). */
export interface Prepared<T> {
  /** `f`'s preparation (may reject; never an unhandled rejection). Only for files of this schedule. */
  get(f: PlannedFile): Promise<T>;
  /** Forgets `f`'s result (call after `get`); its preparation, if not begun, still runs and is dropped. */
  delete(f: PlannedFile): void;
}

export class PrepareAhead<T> {
  private readonly hashers: number;
  private readonly ahead = new Set<PlannedFile>();
  /** Files whose upload began before a hasher reached them: they never count as ahead. Left when reached. */
  private readonly begun = new Set<PlannedFile>();
  private readonly entries = new Map<PlannedFile, Entry<T>>();
  private aheadBytes = 0;
  private wakeups: (() => void)[] = [];

  constructor(
    hashConcurrency: number,
    private readonly window: AheadWindow = DEFAULT_WINDOW,
  ) {
    this.hashers = Math.max(1, hashConcurrency);
  }

  /**
   * Starts preparing `files` in order with `hashConcurrency` workers (one pool per call; several runs may
   * schedule at once and share the window). Results are kept until the caller takes them.
   */
  schedule(files: readonly PlannedFile[], prepare: (f: PlannedFile) => Promise<T>): Prepared<T> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const f = files[next++];
        if (!this.begun.delete(f)) await this.reserve(f);
        await this.startPrep(f, prepare).catch(() => undefined);
      }
    };
    for (let w = 0; w < Math.min(this.hashers, files.length); w++) void worker();
    return { get: (f) => this.entry(f).promise, delete: (f) => this.drop(f) };
  }

  /** The upload of `f` began (or `f` left the run): the window moves on. */
  started(f: PlannedFile): void {
    if (this.ahead.delete(f)) this.aheadBytes -= f.bytes;
    else if (!this.entries.get(f)?.reached) this.begun.add(f);
    const w = this.wakeups;
    this.wakeups = [];
    for (const wake of w) wake();
  }

  /** `started(f)`, then `f`'s preparation, forgotten here: what an upload worker does when a file's turn comes. */
  take(f: PlannedFile): Promise<T> {
    this.started(f);
    const p = this.entry(f).promise;
    this.drop(f);
    return p;
  }

  /** Files with an entry, being hashed and waiting (diagnostics, tests: bounded by the window, not the run). */
  get held(): number {
    return this.entries.size + this.begun.size;
  }

  private entry(f: PlannedFile): Entry<T> {
    let e = this.entries.get(f);
    if (!e) {
      let settle!: (p: Promise<T>) => void;
      const promise = new Promise<T>((resolve) => {
        settle = resolve as (p: Promise<T>) => void;
      });
      promise.catch(() => undefined);
      e = { promise, settle, reached: false, dropped: false };
      this.entries.set(f, e);
    }
    return e;
  }

  private drop(f: PlannedFile): void {
    const e = this.entries.get(f);
    if (!e) return;
    if (e.reached) this.entries.delete(f);
    else e.dropped = true;
  }

  /** Begins `f`'s preparation into its entry; the answer settles when it is done. */
  private startPrep(f: PlannedFile, prepare: (f: PlannedFile) => Promise<T>): Promise<T> {
    const e = this.entry(f);
    e.reached = true;
    let p: Promise<T>;
    try {
      p = prepare(f);
    } catch (err) {
      p = Promise.reject(err);
    }
    e.settle(p);
    if (e.dropped) this.entries.delete(f);
    return p;
  }

  /** Waits for room in the window, then takes it — check and take with no await between them. */
  private async reserve(f: PlannedFile): Promise<void> {
    // The first file ahead always goes, however big: otherwise one large file would wait forever.
    while (!this.begun.has(f) && this.ahead.size > 0 && (this.ahead.size >= this.window.files || this.aheadBytes + f.bytes > this.window.bytes)) {
      await new Promise<void>((r) => this.wakeups.push(r));
    }
    if (this.begun.delete(f)) return;
    this.ahead.add(f);
    this.aheadBytes += f.bytes;
  }
}
