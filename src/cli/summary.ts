/**
 * The end-of-run summary: per room, files registered / already there / skipped / failed, bytes, time (issue 4
 * "Know what happened"; issue 10 "The terminal tells the truth"), built from the engine's outcomes and the
 * scan's skips. Renderers print it; --json emits it as is.
 */
import type { FileOutcome, RunResult } from '../core/transfer/events.js';

export interface RoomRow {
  order_id: string;
  room_type: string;
  /** Files of the run in this room (scan skips not included). */
  files: number;
  registered: number;
  /** Of the registered: sent by an earlier run, or the same content already in the order. */
  already: number;
  /** Files the scan skipped in this room (type not allowed, no extension, symlink outside, same file). */
  skipped: number;
  failed: number;
  pending: number;
  bytes: number;
  /**
   * Wall time of the room, ms: from the first of its files starting to the last one ending (files overlap, so
   * this is never more than the run's duration; issue 10: it used to add per-file times).
   */
  duration_ms: number;
}

export interface RunSummary {
  rows: RoomRow[];
  totals: Omit<RoomRow, 'room_type' | 'order_id'>;
  failures: FileOutcome[];
  duration_ms: number;
  bytes_sent: number;
  interrupted: boolean;
  fatal?: RunResult['fatal'];
  forbidden_orders: string[];
}

/** A file the scan skipped, placed in its room (ShootPlan.skipped with room_type, and the shoot's order). */
export interface SkippedInRoom {
  order_id: string;
  room_type: string;
}

const ZERO = { files: 0, registered: 0, already: 0, skipped: 0, failed: 0, pending: 0, bytes: 0, duration_ms: 0 };

export function summarize(result: RunResult, skipped: readonly SkippedInRoom[] = []): RunSummary {
  const rows = new Map<string, RoomRow>();
  const spans = new Map<string, { from: number; to: number }>();
  const rowFor = (order_id: string, room_type: string): RoomRow => {
    const key = `${order_id}\0${room_type}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { order_id, room_type, ...ZERO }));
    return row;
  };
  const totals = { ...ZERO };
  for (const o of result.outcomes) {
    const row = rowFor(o.file.shoot.orderId, o.file.room_type);
    for (const r of [row, totals]) {
      r.files++;
      r.bytes += o.file.bytes;
      if (o.state === 'registered') {
        r.registered++;
        if (o.note) r.already++;
      } else if (o.state === 'failed') r.failed++;
      else r.pending++;
    }
    if (o.started_ms !== undefined) {
      const key = `${row.order_id}\0${row.room_type}`;
      const end = o.started_ms + o.duration_ms;
      const span = spans.get(key);
      spans.set(key, span ? { from: Math.min(span.from, o.started_ms), to: Math.max(span.to, end) } : { from: o.started_ms, to: end });
    }
  }
  for (const s of skipped) {
    rowFor(s.order_id, s.room_type).skipped++;
    totals.skipped++;
  }
  for (const [key, span] of spans) rows.get(key)!.duration_ms = Math.min(span.to - span.from, result.duration_ms);
  totals.duration_ms = result.duration_ms;
  return {
    rows: [...rows.values()].sort((a, b) => a.order_id.localeCompare(b.order_id) || a.room_type.localeCompare(b.room_type)),
    totals,
    failures: result.outcomes.filter((o) => o.state === 'failed'),
    duration_ms: result.duration_ms,
    bytes_sent: result.bytes_sent,
    interrupted: result.interrupted,
    fatal: result.fatal,
    forbidden_orders: result.forbidden_orders,
  };
}
