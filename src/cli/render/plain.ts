/**
 * Plain renderer for logs and pipes (stdout not a TTY, or --no-progress): one line per state change,
 * no escape codes. Results on stdout; retries, warnings and errors on stderr.
 */
import path from 'node:path';
import { extensionOf } from '../../contract/media.js';
import type { EngineEvent, PlannedFile } from '../../core/transfer/events.js';
import type { ShootPlan } from '../../core/plan/plan.js';
import type { RunSummary } from '../summary.js';
import { explain, stateWord } from '../messages.js';
import { formatBytes, formatDuration } from '../format.js';
import { t } from '../i18n/index.js';
import { summaryText } from './summary-text.js';
import type { RunRenderer, ServerCheck } from './types.js';

export function placeLabel(f: { room_type: string; stack_id: string }): string {
  return `${f.room_type}/${f.stack_id}`;
}

/** The scan result: counts, then each skipped file and each EXIF warning with its reason. */
export function scanText(plan: ShootPlan, orderId: string): string {
  const bytes = plan.items.reduce((s, i) => s + i.bytes, 0);
  const lines = [t('scan.found', { order: orderId, files: plan.items.length, size: formatBytes(bytes), root: plan.root })];
  for (const s of plan.skipped) {
    const name = path.posix.basename(s.relPath);
    const why = t(`skip.${s.reason}`, { name, ext: extensionOf(name), types: plan.types.join(', ') });
    lines.push(`  ${t('scan.skipped')} ${s.relPath.includes('/') ? `${path.posix.dirname(s.relPath)}/` : ''}${why}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One line for a file state change. */
export function fileLine(e: Extract<EngineEvent, { type: 'file' }>): string {
  const f = e.file;
  let line = `${stateWord(e.state).padEnd(14)} ${f.relPath} → ${placeLabel(f)} (${formatBytes(f.bytes)})`;
  if (e.note) line += ` — ${t(`note.${e.note}`)}`;
  if (e.failure) {
    const ex = explain(e.failure);
    line += `: ${ex.text} ${ex.hint}`;
  }
  return line;
}

/** The text of retry / warning / fatal events (shared by the plain and TTY renderers); undefined for others. */
export function eventNote(e: EngineEvent): string | undefined {
  switch (e.type) {
    case 'retry':
      return `${t('state.retry').padEnd(14)} ${e.file.relPath}: ${e.code} (${t('run.again', { wait: formatDuration(e.wait_ms) })})`;
    case 'warning':
      if (e.code === 'EXIF_UNREADABLE' && e.file) return `${t('state.warning').padEnd(14)} ${t('warn.exif', { name: e.file.relPath })}`;
      return `${t('state.warning').padEnd(14)} ${e.file ? `${e.file.relPath}: ` : ''}${e.code}`;
    case 'offline':
      return t('run.offline');
    case 'online':
      return t('run.online', { duration: formatDuration(e.offline_ms) });
    case 'fatal':
    case 'order-forbidden': {
      const ex = explain(e.failure);
      return `${ex.text}\n${ex.hint}`;
    }
    default:
      return undefined;
  }
}

export class PlainRenderer implements RunRenderer {
  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  scanStart(dir: string): void {
    this.err.write(`${t('scan.scanning', { dir })}\n`);
  }

  scanDone(plan: ShootPlan, orderId: string): void {
    this.out.write(scanText(plan, orderId));
  }

  start(_files: readonly PlannedFile[]): void {}

  event(e: EngineEvent): void {
    if (e.type === 'file') {
      if (e.state === 'waiting' && e.note !== 'retry-upload') return;
      (e.state === 'failed' ? this.err : this.out).write(`${fileLine(e)}\n`);
      return;
    }
    const note = eventNote(e);
    if (note) this.err.write(`${note}\n`);
  }

  notice(_level: 'info' | 'warn' | 'error', _code: string, text: string): void {
    this.err.write(`${text}\n`);
  }

  finish(summary: RunSummary, check: ServerCheck): void {
    this.out.write(summaryText(summary, check));
  }

  close(): void {}
}
