/**
 * The renderer of `watch`: the usual plain lines or NDJSON (never bars: the status line is watch's live
 * view), with two twists (issue 11):
 * - every line is written above the status line (WatchStatus.above), so a terminal shows each event once
 *   and the status line stays at the bottom;
 * - engine events pass a filter first: a file that failed only because its card was pulled or it was still
 *   being written is not shown as "failed" (watch waits for it instead).
 */
import type { EngineEvent, PlannedFile } from '../../core/transfer/events.js';
import type { ShootPlan } from '../../core/plan/plan.js';
import type { RunSummary } from '../summary.js';
import { JsonRenderer } from '../render/json.js';
import { PlainRenderer } from '../render/plain.js';
import type { RunRenderer, ServerCheck } from '../render/types.js';
import type { WatchStatus } from '../render/watch-status.js';

/** A stream that writes above the status line. */
function above(status: WatchStatus, stream: NodeJS.WritableStream): NodeJS.WritableStream {
  return {
    write: (chunk: string | Uint8Array) => {
      status.above(stream, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}

/** NDJSON with --json; else plain lines written above the status line. */
export function watchRenderer(json: boolean, status: WatchStatus): RunRenderer {
  if (json) return new JsonRenderer();
  return new PlainRenderer(above(status, process.stdout), above(status, process.stderr));
}

export class FilteredRenderer implements RunRenderer {
  constructor(
    private readonly inner: RunRenderer,
    /** Returns the event to show, or undefined to hide it. */
    private readonly filter: (e: EngineEvent) => EngineEvent | undefined,
  ) {}

  scanStart(dir: string): void {
    this.inner.scanStart(dir);
  }

  scanDone(plan: ShootPlan, orderId: string): void {
    this.inner.scanDone(plan, orderId);
  }

  start(files: readonly PlannedFile[]): void {
    this.inner.start(files);
  }

  event(e: EngineEvent): void {
    const shown = this.filter(e);
    if (shown) this.inner.event(shown);
  }

  notice(level: 'info' | 'warn' | 'error', code: string, text: string): void {
    this.inner.notice(level, code, text);
  }

  finish(summary: RunSummary, check: ServerCheck): void {
    this.inner.finish(summary, check);
  }

  close(): void {
    this.inner.close();
  }
}
