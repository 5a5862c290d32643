/**
 * Plain renderer for logs and pipes (stdout not a TTY, or --no-progress): one line per state change,
 * no escape codes. Results on stdout; retries, warnings and errors on stderr.
 */
import type { EngineEvent, PlannedFile } from '../../core/events.js';
import type { ShootPlan } from '../../core/plan.js';
import type { RunSummary } from '../summary.js';
import { explain, STATE_WORDS } from '../messages.js';
import { formatBytes, formatDuration } from '../format.js';
import { summaryText } from './summary-text.js';
import type { RunRenderer, ServerCheck } from './types.js';

export function placeLabel(f: { room_type: string; stack_id: string }): string {
  return `${f.room_type}/${f.stack_id}`;
}

export function scanText(plan: ShootPlan): string {
  const bytes = plan.items.reduce((s, i) => s + i.bytes, 0);
  const lines = [`${plan.items.length} files (${formatBytes(bytes)}) in ${plan.root}`];
  for (const s of plan.skipped) lines.push(`  skipped ${s.relPath}: ${s.detail}`);
  for (const i of plan.items) if (i.exifWarning) lines.push(`  warning ${i.relPath}: ${i.exifWarning}`);
  return `${lines.join('\n')}\n`;
}

export class PlainRenderer implements RunRenderer {
  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  scanStart(dir: string): void {
    this.err.write(`Scanning ${dir} …\n`);
  }

  scanDone(plan: ShootPlan, orderId: string): void {
    this.out.write(`Order ${orderId}: ${scanText(plan)}`);
  }

  start(_files: readonly PlannedFile[]): void {}

  event(e: EngineEvent): void {
    switch (e.type) {
      case 'file': {
        if (e.state === 'waiting' && e.note !== 'retry-upload') return;
        const f = e.file;
        let line = `${STATE_WORDS[e.state].padEnd(10)} ${f.relPath} → ${placeLabel(f)} (${formatBytes(f.bytes)})`;
        if (e.note === 'already') line += ' — already registered';
        if (e.note === 'duplicate') line += ' — same content already in the order';
        if (e.note === 'retry-upload') line += ' — the server did not find the bytes; uploading again';
        if (e.failure) {
          const ex = explain(e.failure);
          line += `: ${ex.text} ${ex.hint}`;
        }
        (e.state === 'failed' ? this.err : this.out).write(`${line}\n`);
        break;
      }
      case 'retry':
        this.err.write(`retry      ${e.file.relPath}: ${e.detail} (again in ${formatDuration(e.wait_ms)})\n`);
        break;
      case 'warning':
        this.err.write(`warning    ${e.file ? `${e.file.relPath}: ` : ''}${e.detail}\n`);
        break;
      case 'fatal': {
        const ex = explain(e.failure);
        this.err.write(`${ex.text}\n${ex.hint}\n`);
        break;
      }
      default:
        break;
    }
  }

  notice(_level: 'info' | 'warn' | 'error', _code: string, text: string): void {
    this.err.write(`${text}\n`);
  }

  finish(summary: RunSummary, check: ServerCheck): void {
    this.out.write(summaryText(summary, check));
  }

  close(): void {}
}
