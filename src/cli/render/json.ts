/**
 * NDJSON renderer (SPEC "--json"): one JSON object per line on stdout — scan, file state changes,
 * retry, warning, progress (at most every second), summary — and nothing else on stdout.
 * Schema version 1, documented in README ("JSON events"). Codes, never sentences.
 */
import type { EngineEvent, PlannedFile } from '../../core/transfer/events.js';
import type { ShootPlan } from '../../core/plan/plan.js';
import type { RunSummary } from '../summary.js';
import { ProgressTracker } from './progress.js';
import { explain } from '../messages.js';
import { eventNote } from './plain.js';
import type { JsonEvent, JsonFileFields } from './json-events.js';
import type { RunRenderer, ServerCheck } from './types.js';

export const JSON_SCHEMA_VERSION = 1;

/** Writes one NDJSON line `{"v":1, …obj}`; `obj` is one of the line kinds of schema v1 (json-events.ts). */
export function writeJsonLine(obj: JsonEvent, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${JSON.stringify({ v: JSON_SCHEMA_VERSION, ...obj })}\n`);
}

function fileFields(f: PlannedFile): JsonFileFields {
  return { path: f.relPath, root: f.shoot.root, order_id: f.shoot.orderId, room_type: f.room_type, stack_id: f.stack_id, bytes: f.bytes };
}

export class JsonRenderer implements RunRenderer {
  private readonly progress = new ProgressTracker();
  private timer?: NodeJS.Timeout;

  scanStart(): void {}

  scanDone(plan: ShootPlan, orderId: string): void {
    writeJsonLine({
      event: 'scan',
      root: plan.root,
      order_id: orderId,
      files: plan.items.length,
      bytes: plan.items.reduce((s, i) => s + i.bytes, 0),
      skipped: plan.skipped.map((s) => ({ path: s.relPath, reason: s.reason })),
    });
  }

  start(files: readonly PlannedFile[]): void {
    this.progress.plan(files);
    this.timer = setInterval(() => this.emitProgress(), 1000).unref();
  }

  private emitProgress(): void {
    const { active: _active, ...snap } = this.progress.snapshot();
    writeJsonLine({ event: 'progress', ...snap });
  }

  event(e: EngineEvent): void {
    this.progress.onEvent(e);
    switch (e.type) {
      case 'file':
        writeJsonLine({
          event: 'file',
          ...fileFields(e.file),
          state: e.state,
          ...(e.object_key ? { object_key: e.object_key } : {}),
          ...(e.file_id ? { file_id: e.file_id } : {}),
          ...(e.note ? { note: e.note } : {}),
          ...(e.failure ? { error: { code: e.failure.code, detail: e.failure.detail } } : {}),
        });
        break;
      case 'retry':
        writeJsonLine({ event: 'retry', path: e.file.relPath, order_id: e.file.shoot.orderId, code: e.code, detail: e.detail, wait_ms: e.wait_ms, attempt: e.attempt });
        break;
      case 'warning':
        writeJsonLine({ event: 'warning', ...(e.file ? { path: e.file.relPath } : {}), code: e.code, detail: e.detail, ...e.params });
        break;
      case 'offline':
        writeJsonLine({ event: 'offline', since: new Date(e.since_ms).toISOString(), code: e.code, host: e.host });
        process.stderr.write(`${eventNote(e)}\n`); // the human words on stderr, as for notices
        break;
      case 'online':
        writeJsonLine({ event: 'online', offline_ms: e.offline_ms });
        process.stderr.write(`${eventNote(e)}\n`);
        break;
      case 'fatal':
      case 'order-forbidden': {
        writeJsonLine({ event: 'error', code: e.failure.code, detail: e.failure.detail, ...(e.type === 'order-forbidden' ? { order_id: e.orderId } : {}) });
        const ex = explain(e.failure); // the human words go to stderr, never stdout
        process.stderr.write(`${ex.text} ${ex.hint}\n`);
        break;
      }
      default:
        break;
    }
  }

  notice(level: 'info' | 'warn' | 'error', code: string, text: string): void {
    process.stderr.write(`${text}\n`);
    if (level !== 'info') writeJsonLine({ event: level === 'warn' ? 'warning' : 'error', code, detail: text });
  }

  finish(summary: RunSummary, check: ServerCheck): void {
    this.close();
    this.emitProgress();
    writeJsonLine({
      event: 'summary',
      ...summary.totals,
      bytes_sent: summary.bytes_sent,
      duration_ms: summary.duration_ms,
      interrupted: summary.interrupted,
      forbidden_orders: summary.forbidden_orders,
      ...(summary.fatal ? { fatal: { code: summary.fatal.code, detail: summary.fatal.detail } } : {}),
      rooms: summary.rows,
      failures: summary.failures.map((o) => ({ path: o.file.relPath, order_id: o.file.shoot.orderId, code: o.failure?.code, detail: o.failure?.detail })),
      server_check: {
        checked: check.checked,
        missing: check.missing.map((f) => f.relPath),
        incomplete_stacks: check.incomplete_stacks ?? [],
        // issue 16: the server's malware scan
        infected: (check.infected ?? []).map((x) => ({ path: x.file.relPath, order_id: x.file.shoot.orderId, file_id: x.file_id, signature: x.signature })),
        processing: (check.processing ?? []).map((f) => f.relPath),
      },
    });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
