/**
 * The status line of `watch` (issue 4 "what is watched, waiting, uploading and done"; issue 11: names each
 * card with its progress and copies, and says "offline, waiting…"):
 * - on a terminal: one line at the bottom of stderr, redrawn in place; every other line is written above
 *   it (`above`). It never touches stdin — no raw mode — so Ctrl-C reaches the process as SIGINT (issue 11:
 *   ora's stdin discarding swallowed ^C);
 * - off a terminal: the line again when it changes, at most every 2 s;
 * - with --json: a `watch` event per card when its counts change.
 */
import { t } from '../i18n/index.js';
import type { WatchEvent } from './json-events.js';
import { writeJsonLine } from './json.js';
import { terminalCaps } from './terminal.js';

/** One card's counts, by file path: `total` files seen complete; `done` registered; copies when --copy-to. */
export interface CardCounts {
  label: string;
  root: string;
  present: boolean;
  total: number;
  done: number;
  uploading: number;
  /** Queued for upload plus files still being written. */
  waiting: number;
  failed: number;
  copied: number;
  copyFailed: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class WatchStatus {
  private timer?: NodeJS.Timeout;
  private frame = 0;
  private drawn = false;
  private lastLine = '';
  private lastPrinted = 0;
  private readonly lastJson = new Map<string, string>();
  private readonly started = Date.now();
  private readonly tty: boolean;
  offline = false;
  bytesSent = 0;

  constructor(
    private readonly cards: () => CardCounts[],
    /** The line while no card is there (waiting for one). */
    private readonly idle: () => string,
    private readonly opts: { json: boolean; copies: boolean },
  ) {
    // A redrawn status line only where escape codes are understood (TERM=dumb, no width: plain lines).
    this.tty = !opts.json && terminalCaps(process.env, { stdout: true, stderr: Boolean(process.stderr.isTTY), columns: process.stderr.columns }).live;
  }

  start(): void {
    this.timer = setInterval(() => this.render(false), this.tty ? 120 : 500);
    this.timer.unref();
    this.render(true);
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      if (this.opts.json) this.json(); // the last counts
    }
    this.timer = undefined;
    this.erase();
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  /** Writes `text` (one or more whole lines) to `stream`, above the status line on a terminal. */
  above(stream: NodeJS.WritableStream, text: string): void {
    this.erase();
    stream.write(text);
    if (this.timer) this.render(true);
  }

  /** The state changed: draw now (off a terminal still at most every 2 s unless `force`). */
  render(force: boolean): void {
    if (this.opts.json) {
      this.json();
      return;
    }
    const line = this.line();
    if (this.tty) {
      this.frame = (this.frame + 1) % FRAMES.length;
      const cols = process.stderr.columns || 100;
      const text = `${FRAMES[this.frame]} ${line}`;
      process.stderr.write(`\r\x1b[2K${text.length > cols - 1 ? `${text.slice(0, cols - 2)}…` : text}`);
      this.drawn = true;
      return;
    }
    if (line === this.lastLine) return;
    if (!force && Date.now() - this.lastPrinted < 2000) return;
    this.lastLine = line;
    this.lastPrinted = Date.now();
    process.stderr.write(`${line}\n`);
  }

  private erase(): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }

  line(): string {
    const cards = this.cards();
    const parts = cards.length === 0 ? [this.idle()] : cards.map((c) => this.cardText(c));
    if (this.offline) parts.unshift(t('watch.offlineTag'));
    return parts.join(' · ');
  }

  private cardText(c: CardCounts): string {
    if (!c.present) return t('watch.cardOut', { card: c.label, done: c.done, total: c.total });
    let s = t('watch.cardLine', { card: c.label, done: c.done, total: c.total, uploading: c.uploading, waiting: c.waiting });
    if (c.failed) s += t('watch.cardFailed', { failed: c.failed });
    if (this.opts.copies) s += c.copyFailed ? t('watch.cardCopiesFailed', { copied: c.copied, failed: c.copyFailed }) : t('watch.cardCopies', { copied: c.copied });
    return s;
  }

  private json(): void {
    for (const c of this.cards()) {
      const ev: WatchEvent = {
        event: 'watch',
        root: c.root,
        card: c.label,
        present: c.present,
        offline: this.offline,
        total: c.total,
        waiting: c.waiting,
        uploading: c.uploading,
        done: c.done,
        failed: c.failed,
        ...(this.opts.copies ? { copied: c.copied, copy_failed: c.copyFailed } : {}),
      };
      const key = JSON.stringify(ev);
      if (this.lastJson.get(c.root) === key) continue;
      this.lastJson.set(c.root, key);
      writeJsonLine(ev);
    }
  }
}
