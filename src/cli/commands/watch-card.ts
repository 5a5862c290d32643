/**
 * One card during `watch` (issue 11): its CardWatcher, its shoot (manifest of (card root, order)), the
 * files seen complete with their upload and copy states, and the moment it is safe to remove
 * ("Karte EOS_DIGITAL: 412 von 412 registriert — kann entnommen werden"). The engine, the renderer and
 * the status line are shared by all cards and live in watch.ts.
 */
import type { CardWatcher, ReadyFile } from '../../core/plan/card-watcher.js';
import type { FileState, Shoot } from '../../core/transfer/events.js';
import type { CardCounts } from '../render/watch-status.js';

export interface CardFile {
  bytes: number;
  mtimeMs: number;
  state: FileState;
  copy?: 'pending' | 'copied' | 'failed';
  /** Failures hidden because the card was pulled or the file was still changing (see watch.ts). */
  hidden: number;
}

/** Failure codes that mean "the card is gone or the file is not finished yet": watch waits, it does not fail. */
export const CARD_TRANSIENT = new Set(['FILE_VANISHED', 'FILE_UNREADABLE', 'FILE_CHANGED', 'FILE_CHANGING', 'NOT_A_FILE', 'FILE_TRUNCATED', 'EMPTY_FILE']);

export class CardIngest {
  readonly files = new Map<string, CardFile>();
  /** Files handed to the engine and not settled yet, by relative path. */
  readonly inFlight = new Set<string>();
  /** Seen complete again while in flight: looked at once the upload settles. */
  readonly again = new Map<string, ReadyFile>();
  pending: ReadyFile[] = [];
  timer?: NodeJS.Timeout;
  shoot?: Shoot;
  /** The `total` the card was last announced safe to remove at (announced again only when it grows). */
  private safeAt = -1;

  constructor(
    readonly label: string,
    readonly root: string,
    readonly watcher: CardWatcher,
    private readonly copies: boolean,
  ) {}

  /** The record of `f`: the same one while the version (size, mtime) is the same, else a fresh one. */
  seen(f: ReadyFile): CardFile {
    const prev = this.files.get(f.relPath);
    if (prev && prev.bytes === f.bytes && prev.mtimeMs === f.mtimeMs) return prev;
    const rec: CardFile = { bytes: f.bytes, mtimeMs: f.mtimeMs, state: 'waiting', hidden: prev?.hidden ?? 0 };
    this.files.set(f.relPath, rec);
    return rec;
  }

  counts(): CardCounts {
    const c: CardCounts = {
      label: this.label,
      root: this.root,
      present: this.watcher.isPresent,
      total: this.files.size,
      done: 0,
      uploading: 0,
      waiting: this.watcher.isPresent ? this.watcher.waiting : 0,
      failed: 0,
      copied: 0,
      copyFailed: 0,
    };
    for (const f of this.files.values()) {
      if (f.state === 'registered') c.done++;
      else if (f.state === 'uploading' || f.state === 'uploaded') c.uploading++;
      else if (f.state === 'failed') c.failed++;
      else c.waiting++;
      if (f.copy === 'copied') c.copied++;
      else if (f.copy === 'failed') c.copyFailed++;
    }
    return c;
  }

  /** Every file seen is registered (and copied, when copying), nothing is still being written or queued. */
  get complete(): boolean {
    if (!this.watcher.settled || this.pending.length > 0 || this.inFlight.size > 0) return false;
    for (const f of this.files.values()) {
      if (f.state !== 'registered') return false;
      if (this.copies && (f.copy === undefined || f.copy === 'pending')) return false;
    }
    return true;
  }

  /** True once per completed state (a card that gets more files is announced again when those are done). */
  takeSafe(): boolean {
    if (!this.complete || this.safeAt === this.files.size) return false;
    this.safeAt = this.files.size;
    return true;
  }

  /** The card was pulled: it is announced again once complete after it is back. */
  pulled(): void {
    this.safeAt = -1;
    for (const p of this.pending) this.inFlight.delete(p.relPath);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}
