/**
 * Live view on a terminal: an ora spinner while scanning, then a block redrawn in place on stderr — one overall
 * line (bar, files, bytes, MB/s, ETA) and one row per file in flight, each with its state word (SPEC "Per
 * file": wartet… / lädt hoch… / hochgeladen / registriert / fehlgeschlagen). The summary goes to stdout.
 *
 * Issue 10 ("the same file shows twice, one row at 0 B"): the rows are kept here, one per file (by shoot and
 * path), and the whole block is rewritten every frame — cursor up over the last frame, each line cleared,
 * everything below cleared — so a row that ended cannot linger as a ghost. A file gets a row when its upload
 * starts, keeps it while it is uploaded and registered (or sent back to waiting), and loses it
 * {@link LINGER_MS} after it is registered or failed; a failure is also printed above the block for good.
 */
import ora, { type Ora } from 'ora';
import type { EngineEvent, FileState, PlannedFile } from '../../core/transfer/events.js';
import type { ShootPlan } from '../../core/plan/plan.js';
import type { RunSummary } from '../summary.js';
import { cell, formatBytes, formatDuration, formatRate } from '../format.js';
import { type ProgressSnapshot, ProgressTracker } from './progress.js';
import { eventNote, fileLine, placeLabel, scanText } from './plain.js';
import { t } from '../i18n/index.js';
import { stateWord } from '../messages.js';
import { summaryText } from './summary-text.js';
import type { RunRenderer, ServerCheck } from './types.js';
import { terminalCaps } from './terminal.js';
import { visible } from './visible.js';

/** How long a finished file keeps its row (registered / failed), ms. */
export const LINGER_MS = 1500;
/** Redraw interval, ms. */
const FRAME_MS = 200;
const BAR_WIDTH = 24;

interface Row {
  file: PlannedFile;
  state: FileState;
  /** Bytes of the file sent so far (this try). */
  sent: number;
  /** When the file was registered or failed (Date.now()), for the linger. */
  endedAt?: number;
}

export class TtyRenderer implements RunRenderer {
  private spinner?: Ora;
  private readonly progress = new ProgressTracker();
  private readonly rows = new Map<string, Row>();
  private timer?: NodeJS.Timeout;
  /** Lines of the block on screen now. */
  private drawn = 0;
  private started = false;
  /** True while the block itself writes. */
  private writing = false;
  /** Undo the write guards (close). */
  private readonly restores: (() => void)[] = [];

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  scanStart(dir: string): void {
    this.spinner = ora({ text: t('scan.scanning', { dir: visible(dir) }), stream: this.out, color: terminalCaps().color ? 'cyan' : false }).start();
  }

  scanDone(plan: ShootPlan, orderId: string): void {
    this.spinner?.succeed(scanText(plan, orderId).trimEnd());
    this.spinner = undefined;
  }

  start(files: readonly PlannedFile[]): void {
    if (files.length === 0) return; // nothing to send: no bar of 0/0 (the scan line said so)
    this.progress.plan(files);
    this.started = true;
    this.out.write('\x1b[?25l'); // hide the cursor while the block is redrawn
    process.once('exit', this.showCursor); // also after a second Ctrl-C (process.exit)
    this.guardForeignWrites();
    this.timer = setInterval(() => this.redraw(), FRAME_MS).unref();
  }

  event(e: EngineEvent): void {
    this.progress.onEvent(e);
    if (e.type === 'bytes') {
      const row = this.rows.get(key(e.file));
      if (row) row.sent = Math.max(0, row.sent + e.delta);
      return;
    }
    if (e.type !== 'file') {
      const note = eventNote(e);
      if (note) this.log(note);
      return;
    }
    const k = key(e.file);
    const row = this.rows.get(k);
    switch (e.state) {
      case 'uploading':
      case 'uploaded':
        if (row) {
          row.state = e.state;
          row.endedAt = undefined;
        } else this.rows.set(k, { file: e.file, state: e.state, sent: 0 });
        break;
      case 'waiting':
        if (row) row.state = 'waiting'; // sent back (finalize 409): waits in its row
        break;
      case 'registered':
      case 'failed':
        if (row) {
          row.state = e.state;
          row.endedAt = Date.now();
        }
        if (e.state === 'failed') this.log(fileLine(e));
        break;
    }
  }

  /** The lines of one frame: the overall line, then one row per file in flight (as many as fit). */
  frame(now = Date.now()): string[] {
    const s = this.progress.snapshot();
    const eta = etaText(s);
    const overall = [
      t('progress.files', { done: s.files_done, total: s.files_total }),
      `${formatBytes(s.bytes_sent)}/${formatBytes(s.bytes_total)}`,
      formatRate(s.rate_bps),
      t('progress.eta', { eta }),
      ...(s.files_failed ? [t('progress.failed', { n: s.files_failed })] : []),
    ].join(' · ');
    const lines = [`${bar(s.bytes_total > 0 ? s.bytes_sent / s.bytes_total : 0)} ${overall}`];
    for (const [k, row] of this.rows) if (row.endedAt !== undefined && now - row.endedAt > LINGER_MS) this.rows.delete(k);
    const room = Math.max(1, (this.out.rows || 40) - 4);
    const rows = [...this.rows.values()];
    for (const row of rows.slice(0, room)) {
      const f = row.file;
      const sent = row.state === 'registered' || row.state === 'uploaded' ? f.bytes : row.sent;
      // "uploading" before its first byte is a file waiting for a transfer slot: say so.
      const word = row.state === 'uploading' && row.sent === 0 ? 'waiting' : row.state;
      lines.push(
        `${bar(f.bytes > 0 ? sent / f.bytes : 1)} ${cell(stateWord(word), 14)} ${cell(visible(f.relPath), 40)} ${cell(placeLabel(f), 22)} ${formatBytes(sent)}/${formatBytes(f.bytes)}`,
      );
    }
    if (rows.length > room) lines.push(`… +${rows.length - room}`);
    const width = Math.max(20, (this.out.columns || 120) - 1);
    return lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
  }

  private redraw(): void {
    if (!this.started) return;
    const lines = this.frame();
    this.own(`${this.up()}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n\x1b[J`);
    this.drawn = lines.length;
  }

  /** Writes of the block itself (not seen as foreign). */
  private own(text: string): void {
    this.writing = true;
    try {
      this.out.write(text);
    } finally {
      this.writing = false;
    }
  }

  /**
   * Output from elsewhere while the block is live (a Node warning, a library's console line) would leave the
   * block's lines behind as a ghost (the cursor-up count no longer fits): stdout and stderr writes of others
   * first clear the block, then pass; the next frame is drawn under them.
   */
  private guardForeignWrites(): void {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      this.restores.push(() => (stream.write = original));
      stream.write = ((...args: Parameters<typeof original>) => {
        if (!this.writing && this.started && this.drawn > 0) {
          this.own(`${this.up()}\x1b[J`);
          this.drawn = 0;
        }
        return original.apply(stream, args);
      }) as typeof original;
    }
  }

  /** Cursor back to the first line of the block on screen (nothing when none is drawn). */
  private up(): string {
    return this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
  }

  /** A line above the block, kept on screen; the block is drawn again under it. */
  private log(line: string): void {
    if (!this.started) {
      this.out.write(`${line}\n`);
      return;
    }
    this.own(`${this.up()}\x1b[J${line}\n`);
    this.drawn = 0;
    this.redraw();
  }

  notice(level: 'info' | 'warn' | 'error', _code: string, text: string): void {
    if (this.spinner && level !== 'info') this.spinner.warn(text);
    else this.log(text);
  }

  finish(summary: RunSummary, check: ServerCheck): void {
    // The last frame stays, without the rows of files in flight (none are).
    this.rows.clear();
    this.redraw();
    this.close();
    process.stdout.write(summaryText(summary, check));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.spinner?.stop();
    if (this.started) this.showCursor();
    process.off('exit', this.showCursor);
    for (const restore of this.restores.splice(0)) restore();
    this.started = false;
  }

  private readonly showCursor = (): void => {
    this.own('\x1b[?25h');
  };
}

function key(f: PlannedFile): string {
  return `${f.shoot.root}\0${f.shoot.orderId}\0${f.relPath}`;
}

function bar(fraction: number): string {
  const done = Math.round(Math.max(0, Math.min(1, fraction)) * BAR_WIDTH);
  return `${'█'.repeat(done)}${'░'.repeat(BAR_WIDTH - done)}`;
}

/**
 * The time left as the overall line shows it: '--' without a rate yet; `eta_s` is whole seconds, so under one
 * second left (bytes still going out) reads "<1s", not "0.0s".
 */
export function etaText(s: Pick<ProgressSnapshot, 'eta_s' | 'bytes_sent' | 'bytes_total'>): string {
  if (s.eta_s === null) return '--';
  return s.eta_s === 0 && s.bytes_sent < s.bytes_total ? '<1s' : formatDuration(s.eta_s * 1000);
}
