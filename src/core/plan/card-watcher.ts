/**
 * Watches a card-reader folder (issue 4 "Watch a card-reader folder"): reports each file once its writes
 * have finished (size stable, chokidar's awaitWriteFinish), notices when the folder disappears (card
 * pulled) and when it comes back (same card or another), and then reports what is on it again.
 * No terminal I/O and no uploading: it only tells what is there.
 */
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import { isIgnoredPath, MAX_SCAN_DEPTH } from './scan.js';

export interface ReadyFile {
  absPath: string;
  /** Posix path relative to the watched folder, NFC. */
  relPath: string;
  bytes: number;
  mtimeMs: number;
}

export interface CardWatcherEvents {
  /** A file is complete: its size has not changed for `stableMs`. */
  file: [ReadyFile];
  /** The folder is gone (card pulled, unmounted). */
  gone: [];
  /** The folder is back; its files are reported again. */
  back: [];
  /** The initial listing of the folder is done (after start or after `back`). */
  ready: [];
  error: [Error];
}

export interface CardWatcherOptions {
  /** How long a file's size must stay unchanged before it counts as written, ms (default 2000). */
  stableMs?: number;
  /** How often the folder's presence is checked, ms (default 1000). */
  presencePollMs?: number;
}

export class CardWatcher extends EventEmitter<CardWatcherEvents> {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private present = false;
  private closed = false;

  constructor(
    readonly root: string,
    private readonly opts: CardWatcherOptions = {},
  ) {
    super();
  }

  /** Starts watching; a missing folder is fine (waiting for the card). */
  async start(): Promise<void> {
    await this.check(true);
    this.timer = setInterval(() => void this.check(false), this.opts.presencePollMs ?? 1000);
  }

  get isPresent(): boolean {
    return this.present;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.watcher?.close();
    this.watcher = undefined;
  }

  private async check(first: boolean): Promise<void> {
    const here = await fs
      .stat(this.root)
      .then((st) => st.isDirectory())
      .catch(() => false);
    if (this.closed || here === this.present) {
      if (first && !here) this.emit('gone');
      return;
    }
    this.present = here;
    if (here) {
      if (!first) this.emit('back');
      this.watch();
    } else {
      await this.watcher?.close();
      this.watcher = undefined;
      this.emit('gone');
    }
  }

  private watch(): void {
    const stable = this.opts.stableMs ?? 2000;
    const w = chokidar.watch(this.root, {
      ignoreInitial: false,
      alwaysStat: true,
      followSymlinks: true,
      depth: MAX_SCAN_DEPTH,
      awaitWriteFinish: { stabilityThreshold: stable, pollInterval: Math.min(250, stable) },
      ignored: (p: string) => {
        const rel = path.relative(this.root, p);
        return rel !== '' && isIgnoredPath(rel);
      },
    });
    const report = (abs: string, st?: { size: number; mtimeMs: number; isFile(): boolean }): void => {
      if (!st?.isFile()) return;
      const relPath = path.relative(this.root, abs).split(path.sep).join('/').normalize('NFC');
      this.emit('file', { absPath: abs, relPath, bytes: st.size, mtimeMs: st.mtimeMs });
    };
    w.on('add', (p, st) => report(p, st));
    w.on('change', (p, st) => report(p, st));
    w.on('ready', () => this.emit('ready'));
    w.on('error', (e) => this.emit('error', e instanceof Error ? e : new Error(String(e))));
    this.watcher = w;
  }
}
