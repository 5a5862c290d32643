/**
 * The end-of-run summary: per room, files registered / duplicates / failed, bytes, time (issue 4
 * "Know what happened"), built from the engine's outcomes. Renderers print it; --json emits it as is.
 */
import type { FileOutcome, RunResult } from '../core/transfer/events.js';

export interface RoomRow {
  order_id: string;
  room_type: string;
  files: number;
  registered: number;
  /** Of the registered: sent by an earlier run, or content already in the order. */
  skipped: number;
  failed: number;
  pending: number;
  bytes: number;
  /** Sum of per-file wall times, ms (files overlap, so rows do not add up to the run's duration). */
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

export function summarize(result: RunResult): RunSummary {
  const rows = new Map<string, RoomRow>();
  const totals = { files: 0, registered: 0, skipped: 0, failed: 0, pending: 0, bytes: 0, duration_ms: 0 };
  for (const o of result.outcomes) {
    const key = `${o.file.shoot.orderId}\0${o.file.room_type}`;
    let row = rows.get(key);
    if (!row) {
      row = { order_id: o.file.shoot.orderId, room_type: o.file.room_type, ...{ files: 0, registered: 0, skipped: 0, failed: 0, pending: 0, bytes: 0, duration_ms: 0 } };
      rows.set(key, row);
    }
    for (const r of [row, totals]) {
      r.files++;
      r.bytes += o.file.bytes;
      r.duration_ms += o.duration_ms;
      if (o.state === 'registered') {
        r.registered++;
        if (o.note) r.skipped++;
      } else if (o.state === 'failed') r.failed++;
      else r.pending++;
    }
  }
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
