/**
 * Watches one card folder (issue 4 "Watch a card-reader folder", issue 11 "Watch a card like a professional
 * ingest tool"): reports each file once it is finished — the StabilityGate's rule (size and mtime stable
 * for 2 s and a whole container) for every file, those of the initial listing included — notices when the
 * folder disappears (card pulled) and when it appears (inserted late, or back), and then reports what is
 * on it again. No terminal I/O and no uploading: it only tells what is there.
 */
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import { isIgnoredPath, MAX_SCAN_DEPTH } from './scan.js';
import { type ContainerCheckFn, StabilityGate, type StableFile } from './stability.js';

export type ReadyFile = StableFile;

export interface CardWatcherEvents {
  /** A file is complete: size and mtime stable for `stableMs` and its container whole. */
  file: [ReadyFile];
  /** The folder was not there when watching started (told once). */
  absent: [];
  /** The folder is there: `again` false the first time (at start or inserted late), true after `gone`. */
  present: [again: boolean];
  /** The folder is gone (card pulled, unmounted). */
  gone: [];
  /** The listing of the folder is done (after each `present`). */
  ready: [];
  /** A file has not become complete for a while: named once (`reason` from the container check, if any). */
  slow: [ReadyFile, string | undefined];
  error: [Error];
}

export interface CardWatcherOptions {
  /** How long size and mtime must stay unchanged, ms (default 2000). */
  stableMs?: number;
  /** How often the folder's presence is checked, ms (default 1000). */
  presencePollMs?: number;
  /** After how long a file still waiting is named, ms (default 10 000). */
  slowAfterMs?: number;
  /** SPEC v2 container check (integrity.ts); without it a stable file counts as whole. */
  check?: ContainerCheckFn;
  /** Which files to wait for at all (relative posix path); default all. Others are never reported. */
  accept?: (relPath: string) => boolean;
  /**
   * What makes the folder count as present besides being a folder (found cards: a DCIM folder — a mount
   * point can stay behind, empty, after the card is pulled).
   */
  isCard?: (root: string) => Promise<boolean>;
}

export class CardWatcher extends EventEmitter<CardWatcherEvents> {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private present = false;
  private seen = false;
  private listed = false;
  private closed = false;
  private readonly gate: StabilityGate;

  constructor(
    readonly root: string,
    private readonly opts: CardWatcherOptions = {},
  ) {
    super();
    this.gate = new StabilityGate({
      stableMs: opts.stableMs,
      slowAfterMs: opts.slowAfterMs,
      check: opts.check,
      onReady: (f) => this.emit('file', f),
      onSlow: (f, reason) => this.emit('slow', f, reason),
    });
  }

  /** Starts watching; a missing folder is fine (waiting for the card). */
  async start(): Promise<void> {
    await this.check(true);
    this.timer = setInterval(() => void this.check(false), this.opts.presencePollMs ?? 1000);
  }

  get isPresent(): boolean {
    return this.present;
  }

  /** Present, listed, and no file left waiting to become complete. */
  get settled(): boolean {
    return this.present && this.listed && this.gate.pending === 0;
  }

  /** Files seen but not yet complete. */
  get waiting(): number {
    return this.gate.pending;
  }

  /** Watch `relPath` again (an upload found it changing or gone): reported again once it is complete. */
  recheck(relPath: string): void {
    if (this.present) this.gate.track(path.join(this.root, ...relPath.split('/')), relPath);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.gate.close();
    await this.watcher?.close();
    this.watcher = undefined;
  }

  private async check(first: boolean): Promise<void> {
    const isCard = this.opts.isCard;
    const here = await fs
      .stat(this.root)
      .then(async (st) => st.isDirectory() && (!isCard || (await isCard(this.root))))
      .catch(() => false);
    if (this.closed) return;
    if (here === this.present) {
      if (first && !here) this.emit('absent');
      return;
    }
    this.present = here;
    if (here) {
      this.emit('present', this.seen);
      this.seen = true;
      this.watch();
    } else {
      this.listed = false;
      this.gate.clear();
      const w = this.watcher;
      this.watcher = undefined;
      await w?.close();
      this.emit('gone');
    }
  }

  private watch(): void {
    const w = chokidar.watch(this.root, {
      ignoreInitial: false,
      followSymlinks: true,
      depth: MAX_SCAN_DEPTH,
      ignored: (p: string) => {
        const rel = path.relative(this.root, p);
        return rel !== '' && isIgnoredPath(rel);
      },
    });
    const seen = (abs: string): void => {
      const relPath = path.relative(this.root, abs).split(path.sep).join('/').normalize('NFC');
      if (this.opts.accept && !this.opts.accept(relPath)) return;
      this.gate.track(abs, relPath);
    };
    w.on('add', seen);
    w.on('change', seen);
    w.on('ready', () => {
      this.listed = true;
      this.emit('ready');
    });
    w.on('error', (e) => this.emit('error', e instanceof Error ? e : new Error(String(e))));
    this.watcher = w;
  }
}
