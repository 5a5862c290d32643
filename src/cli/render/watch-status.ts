/**
 * The status line of `watch` (issue 4: "what is watched, waiting, uploading and done"): on a terminal an
 * ora spinner line; off a terminal a plain line when the counts change (at most every 2 s); with --json a
 * `watch` event when they change. Counts are per file path, from the engine's events.
 */
import type { Ora } from 'ora';
import type { EngineEvent, FileState } from '../../core/transfer/events.js';
import { t } from '../i18n/index.js';
import { writeJsonLine } from './json.js';
import { terminalCaps } from './terminal.js';

export class WatchStatus {
  private readonly states = new Map<string, FileState>();
  private present = false;
  private spinner?: Ora;
  private timer?: NodeJS.Timeout;
  private lastLine = '';
  private lastPrinted = 0;
  private readonly started = Date.now();
  bytesSent = 0;

  constructor(
    private readonly dir: string,
    private readonly json: boolean,
  ) {}

  async start(): Promise<void> {
    const caps = terminalCaps(process.env, { stdout: true, stderr: Boolean(process.stderr.isTTY), columns: process.stderr.columns });
    if (!this.json && caps.live) {
      const { default: ora } = await import('ora');
      this.spinner = ora({ text: this.line(), stream: process.stderr, color: caps.color ? 'cyan' : false }).start();
    }
    this.timer = setInterval(() => this.render(false), 500);
    this.timer.unref();
    this.render(true);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.spinner?.stop();
    this.spinner = undefined;
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  setPresent(p: boolean): void {
    this.present = p;
    this.render(true);
  }

  onEvent(e: EngineEvent): void {
    if (e.type === 'bytes') this.bytesSent += Math.max(0, e.delta);
    if (e.type !== 'file') return;
    this.states.set(e.file.relPath, e.state);
    this.render(false);
  }

  private counts(): { waiting: number; uploading: number; done: number; failed: number } {
    const c = { waiting: 0, uploading: 0, done: 0, failed: 0 };
    for (const s of this.states.values()) {
      if (s === 'waiting') c.waiting++;
      else if (s === 'uploading' || s === 'uploaded') c.uploading++;
      else if (s === 'registered') c.done++;
      else c.failed++;
    }
    return c;
  }

  private line(): string {
    return this.present ? t('watch.status', { dir: this.dir, ...this.counts() }) : t('watch.gone', { dir: this.dir });
  }

  private render(force: boolean): void {
    const line = this.line();
    if (this.spinner) {
      this.spinner.text = line;
      return;
    }
    if (line === this.lastLine && !force) return;
    if (!force && Date.now() - this.lastPrinted < 2000) return;
    this.lastLine = line;
    this.lastPrinted = Date.now();
    if (this.json) writeJsonLine({ event: 'watch', root: this.dir, present: this.present, ...this.counts() });
    else process.stderr.write(`${line}\n`);
  }
}
