/**
 * Plain renderer for logs and pipes (stdout not a TTY, or --no-progress): one line per state change,
 * no escape codes. Results on stdout; retries, warnings and errors on stderr.
 */
import { extensionOf } from '../../contract/media.js';
import { flagAdding } from '../../core/plan/allow-list.js';
import type { EngineEvent, PlannedFile } from '../../core/transfer/events.js';
import type { ShootPlan } from '../../core/plan/plan.js';
import type { RunSummary } from '../summary.js';
import { explain, networkWhy, stateWord } from '../messages.js';
import { formatBytes, formatDuration } from '../format.js';
import { t } from '../i18n/index.js';
import { summaryText } from './summary-text.js';
import type { RunRenderer, ServerCheck } from './types.js';
import { visible } from './visible.js';
import { filesWord } from './words.js';
import { stackAllocatedText } from './stack-text.js';

export function placeLabel(f: { room_type: string; stack_id: string }): string {
  return `${f.room_type}/${f.stack_id}`;
}

/**
 * The scan result: counts; files skipped for their type summed up in one line per extension with the flag
 * that adds it (SPEC v2 "Types"), then every other skipped file with its reason (symlink-outside, same-file).
 */
export function scanText(plan: ShootPlan, orderId: string): string {
  const bytes = plan.items.reduce((s, i) => s + i.bytes, 0);
  const lines = [t('scan.found', { order: orderId, files: plan.items.length, filesWord: filesWord(plan.items.length), size: formatBytes(bytes), root: visible(plan.root) })];
  if (plan.items.length === 0) lines.push(`  ${t('scan.nothing')}`);
  const byExt = new Map<string, number>();
  let noExt = 0;
  for (const s of plan.skipped) {
    if (s.reason === 'type-not-allowed') {
      const ext = extensionOf(s.relPath);
      byExt.set(ext, (byExt.get(ext) ?? 0) + 1);
    } else if (s.reason === 'no-extension') noExt++;
  }
  for (const [ext, count] of [...byExt].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    const flag = flagAdding(ext, plan.types);
    const files = filesWord(count);
    const why = flag ? t('skip.typeGroup', { ext: visible(ext), count, files, flag }) : t('skip.typeGroupOther', { ext: visible(ext), count, files });
    lines.push(`  ${t('scan.skipped')} ${why}`);
  }
  if (noExt > 0) lines.push(`  ${t('scan.skipped')} ${t('skip.noExtGroup', { count: noExt, files: filesWord(noExt) })}`);
  for (const s of plan.skipped) {
    if (s.reason === 'type-not-allowed' || s.reason === 'no-extension') continue;
    const why = t(`skip.${s.reason}`, { name: visible(s.relPath), same: visible(s.sameAs ?? ''), ext: '', types: plan.types.join(', ') });
    lines.push(`  ${t('scan.skipped')} ${why}`);
  }
  return `${lines.join('\n')}\n`;
}


/** One line for a file state change. */
export function fileLine(e: Extract<EngineEvent, { type: 'file' }>): string {
  const f = e.file;
  let line = `${stateWord(e.state).padEnd(14)} ${visible(f.relPath)} → ${placeLabel(f)} (${formatBytes(f.bytes)})`;
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
      return `${t('state.retry').padEnd(14)} ${visible(e.file.relPath)}: ${visible(e.code)} (${t('run.again', { wait: formatDuration(e.wait_ms) })})`;
    case 'warning':
      if (e.code === 'EXIF_UNREADABLE' && e.file) return `${t('state.warning').padEnd(14)} ${t('warn.exif', { name: visible(e.file.relPath) })}`;
      if (e.code === 'STACK_ID_ALLOCATED' && e.params) return `${t('state.note').padEnd(14)} ${visible(stackAllocatedText(e.params))}`;
      return `${t('state.warning').padEnd(14)} ${e.file ? `${visible(e.file.relPath)}: ` : ''}${visible(e.code)}`;
    case 'offline':
      return e.code ? t('run.offlineAt', { why: networkWhy(e.code, e.host) }) : t('run.offline');
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
