/**
 * Live view on a terminal: an ora spinner while scanning, then cli-progress bars — one overall bar
 * (files, bytes, MB/s, ETA) and one line per file in flight. Drawn on stderr; the summary goes to stdout.
 */
import cliProgress from 'cli-progress';
import ora, { type Ora } from 'ora';
import type { EngineEvent, PlannedFile } from '../../core/transfer/events.js';
import type { ShootPlan } from '../../core/plan/plan.js';
import type { RunSummary } from '../summary.js';
import { cell, formatBytes, formatDuration, formatRate } from '../format.js';
import { ProgressTracker } from './progress.js';
import { eventNote, fileLine, placeLabel, scanText } from './plain.js';
import { t } from '../i18n/index.js';
import { summaryText } from './summary-text.js';
import type { RunRenderer, ServerCheck } from './types.js';
import { terminalCaps } from './terminal.js';

type Bar = cliProgress.SingleBar;

export class TtyRenderer implements RunRenderer {
  private spinner?: Ora;
  private multibar?: cliProgress.MultiBar;
  private overall?: Bar;
  private readonly fileBars = new Map<PlannedFile, Bar>();
  private readonly progress = new ProgressTracker();
  private timer?: NodeJS.Timeout;

  scanStart(dir: string): void {
    this.spinner = ora({ text: t('scan.scanning', { dir }), stream: process.stderr, color: terminalCaps().color ? 'cyan' : false }).start();
  }

  scanDone(plan: ShootPlan, orderId: string): void {
    this.spinner?.succeed(scanText(plan, orderId).trimEnd());
    this.spinner = undefined;
  }

  start(files: readonly PlannedFile[]): void {
    this.progress.plan(files);
    this.multibar = new cliProgress.MultiBar(
      {
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
        barsize: 24,
        format: (_opts, params, payload: { line?: string }) => {
          const width = 24;
          const done = Math.round(Math.max(0, Math.min(1, params.progress)) * width);
          return `${'█'.repeat(done)}${'░'.repeat(width - done)} ${payload.line ?? ''}`;
        },
      },
      cliProgress.Presets.shades_classic,
    );
    this.overall = this.multibar.create(1, 0, { line: '' });
    this.timer = setInterval(() => this.redraw(), 200).unref();
  }

  private redraw(): void {
    if (!this.multibar || !this.overall) return;
    const s = this.progress.snapshot();
    const eta = s.eta_s === null ? '--' : formatDuration(s.eta_s * 1000);
    this.overall.setTotal(Math.max(1, s.bytes_total));
    this.overall.update(s.bytes_sent, {
      line: [
        t('progress.files', { done: s.files_done, total: s.files_total }),
        `${formatBytes(s.bytes_sent)}/${formatBytes(s.bytes_total)}`,
        formatRate(s.rate_bps),
        t('progress.eta', { eta }),
        ...(s.files_failed ? [t('progress.failed', { n: s.files_failed })] : []),
      ].join(' · '),
    });
    for (const a of s.active) {
      let bar = this.fileBars.get(a.file);
      if (!bar) {
        bar = this.multibar.create(Math.max(1, a.file.bytes), 0, { line: '' });
        this.fileBars.set(a.file, bar);
      }
      bar.update(Math.max(0, a.sent), {
        line: `${cell(a.file.relPath, 40)} ${cell(placeLabel(a.file), 22)} ${formatBytes(a.sent)}/${formatBytes(a.file.bytes)}`,
      });
    }
  }

  event(e: EngineEvent): void {
    this.progress.onEvent(e);
    if (e.type === 'file' && (e.state === 'registered' || e.state === 'failed')) {
      const bar = this.fileBars.get(e.file);
      if (bar) {
        this.multibar?.remove(bar);
        this.fileBars.delete(e.file);
      }
      if (e.state === 'failed') this.log(fileLine(e));
    } else {
      const note = eventNote(e);
      if (note) this.log(note);
    }
  }

  private log(line: string): void {
    if (this.multibar) this.multibar.log(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  }

  notice(level: 'info' | 'warn' | 'error', _code: string, text: string): void {
    if (this.spinner && level !== 'info') this.spinner.warn(text);
    else this.log(text);
  }

  finish(summary: RunSummary, check: ServerCheck): void {
    this.redraw();
    this.close();
    process.stdout.write(summaryText(summary, check));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.spinner?.stop();
    this.multibar?.stop();
    this.multibar = undefined;
  }
}
