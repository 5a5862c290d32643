/**
 * When is a file on a card finished? (issue 11 "Stability for every file"): its size and mtime have not
 * changed for `stableMs` (2 s) AND its container is whole (SPEC v2 "Truncated files are never uploaded":
 * a JPEG reaches its EOI, ISO-BMFF boxes add up, TIFF offsets point inside; watch waits until it is).
 *
 * One rule for every file — found at start, when a card appears, or later — because chokidar's
 * awaitWriteFinish does not cover the files of its initial scan (the cause of torn registrations). The
 * gate polls `stat` itself; a file that does not become whole within `slowAfterMs` is named once
 * (`onSlow`), and keeps being watched.
 */
import { promises as fs } from 'node:fs';

/** The answer of the container check (src/core/plan/integrity.ts, SPEC v2). */
export type ContainerVerdict = { whole: true } | { whole: false; reason: string };
/** Checks that the file at `absPath`, `bytes` long, is a whole container. */
export type ContainerCheckFn = (absPath: string, bytes: number) => Promise<ContainerVerdict>;

export interface StableFile {
  absPath: string;
  relPath: string;
  bytes: number;
  mtimeMs: number;
}

export interface StabilityOptions {
  /** Size and mtime unchanged for this long, ms (default 2000). */
  stableMs?: number;
  /** How often tracked files are stat'ed, ms (default 250, at most stableMs). */
  pollMs?: number;
  /** After this long without becoming ready, the file is named once via onSlow, ms (default 10 000). */
  slowAfterMs?: number;
  /** The container check; without one every stable file counts as whole. */
  check?: ContainerCheckFn;
  onReady: (f: StableFile) => void;
  /** `reason`: the container check's answer, or undefined while the file is still changing. */
  onSlow?: (f: StableFile, reason: string | undefined) => void;
}

interface Tracked extends StableFile {
  /** When size/mtime last changed, ms. */
  since: number;
  firstSeen: number;
  /** `${bytes}:${mtimeMs}` the container check said "not whole" to; not asked again until it changes. */
  notWholeAt?: string;
  reason?: string;
  slowTold: boolean;
  busy: boolean;
}

export class StabilityGate {
  private readonly tracked = new Map<string, Tracked>();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: StabilityOptions) {}

  private get stableMs(): number {
    return this.opts.stableMs ?? 2000;
  }

  /** Starts (or keeps) watching `absPath` until it is stable and whole; then onReady fires once. */
  track(absPath: string, relPath: string): void {
    if (this.closed || this.tracked.has(absPath)) return;
    const now = Date.now();
    this.tracked.set(absPath, { absPath, relPath, bytes: -1, mtimeMs: -1, since: now, firstSeen: now, slowTold: false, busy: false });
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), Math.min(this.opts.pollMs ?? 250, this.stableMs));
    }
    void this.pollOne(this.tracked.get(absPath)!);
  }

  /** Files still waiting to become stable and whole. */
  get pending(): number {
    return this.tracked.size;
  }

  /** Stops watching every file (the card is gone); they are tracked again when reported again. */
  clear(): void {
    this.tracked.clear();
    this.idle();
  }

  close(): void {
    this.closed = true;
    this.clear();
  }

  private idle(): void {
    if (this.tracked.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async poll(): Promise<void> {
    await Promise.all([...this.tracked.values()].map((t) => this.pollOne(t)));
  }

  private async pollOne(t: Tracked): Promise<void> {
    if (t.busy) return;
    t.busy = true;
    try {
      await this.step(t);
    } finally {
      t.busy = false;
    }
    this.idle();
  }

  private async step(t: Tracked): Promise<void> {
    const st = await fs.stat(t.absPath).catch(() => undefined);
    if (this.tracked.get(t.absPath) !== t) return; // cleared meanwhile
    if (!st?.isFile()) {
      this.tracked.delete(t.absPath); // gone (deleted, card pulled): reported again if it comes back
      return;
    }
    const now = Date.now();
    if (st.size !== t.bytes || st.mtimeMs !== t.mtimeMs) {
      t.bytes = st.size;
      t.mtimeMs = st.mtimeMs;
      t.since = now;
      t.reason = undefined;
    } else if (now - t.since >= this.stableMs && st.size === 0) {
      this.tracked.delete(t.absPath); // stayed empty: reported as it is (the caller skips empty files)
      this.opts.onReady({ absPath: t.absPath, relPath: t.relPath, bytes: 0, mtimeMs: t.mtimeMs });
      return;
    } else if (now - t.since >= this.stableMs) {
      const at = `${t.bytes}:${t.mtimeMs}`;
      if (t.notWholeAt !== at) {
        const verdict = this.opts.check ? await this.opts.check(t.absPath, t.bytes).catch((e: Error) => ({ whole: false as const, reason: e.message })) : { whole: true as const };
        if (this.tracked.get(t.absPath) !== t) return;
        if (verdict.whole) {
          // The verdict is about these bytes: accept only if the file did not move while it was read.
          const again = await fs.stat(t.absPath).catch(() => undefined);
          if (this.tracked.get(t.absPath) !== t) return;
          if (again && again.size === t.bytes && again.mtimeMs === t.mtimeMs) {
            this.tracked.delete(t.absPath);
            this.opts.onReady({ absPath: t.absPath, relPath: t.relPath, bytes: t.bytes, mtimeMs: t.mtimeMs });
            return;
          }
        } else {
          t.notWholeAt = at;
          t.reason = verdict.reason;
        }
      }
    }
    const slowAfter = this.opts.slowAfterMs ?? 10_000;
    if (!t.slowTold && now - t.firstSeen >= slowAfter) {
      t.slowTold = true;
      this.opts.onSlow?.({ absPath: t.absPath, relPath: t.relPath, bytes: t.bytes, mtimeMs: t.mtimeMs }, t.reason);
    }
  }
}
