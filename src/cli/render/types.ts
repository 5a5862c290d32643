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
  /** SPEC v2: stacks this run sent frames to that the server does not hold complete (cli/stack-check.ts). */
  incomplete_stacks?: IncompleteStack[];
  /** Issue 16: registered files the server's scan found infected (cli/scan-check.ts). */
  infected?: InfectedFile[];
  /** Issue 16: registered files still being checked (scan, previews) when the closing check ended. */
  processing?: PlannedFile[];
}

/** A stack of the order with fewer frames registered than declared ("kitchen g003: 4 of 5 frames"). */
export interface IncompleteStack {
  order_id: string;
  room_type: string;
  room_label: string | null;
  stack_id: string;
  frames_registered: number;
  frames_declared: number;
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
