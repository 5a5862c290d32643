/** What every renderer of an upload run does: TTY bars, plain lines, or NDJSON (SPEC "--json"). */
import type { EngineEvent, PlannedFile } from '../../core/transfer/events.js';
import type { ShootPlan } from '../../core/plan/plan.js';
import type { InfectedFile } from '../scan-check.js';
import type { RunSummary } from '../summary.js';

export interface ServerCheck {
  /** Registered files that the order's file list on the server does not show. */
  missing: PlannedFile[];
  /** Could the list be read at all. */
  checked: boolean;
  /** Issue 16: registered files the server's scan found infected (cli/scan-check.ts). */
  infected?: InfectedFile[];
  /** Issue 16: registered files still being checked (scan, previews) when the closing check ended. */
  processing?: PlannedFile[];
}

export interface RunRenderer {
  scanStart(dir: string): void;
  scanDone(plan: ShootPlan, orderId: string): void;
  /** The run starts with these files (already-registered ones included). */
  start(files: readonly PlannedFile[]): void;
  event(e: EngineEvent): void;
  /** A message outside the per-file flow (a manifest moved aside, a warning). */
  notice(level: 'info' | 'warn' | 'error', code: string, text: string): void;
  finish(summary: RunSummary, check: ServerCheck): void;
  /** Stops timers and bars; idempotent. */
  close(): void;
}
