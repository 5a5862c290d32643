/**
 * Transfer accounting apart from the transfers (as rclone keeps it): files done, bytes sent, rate over a
 * sliding window, ETA. Fed by engine events; read by every renderer.
 */
import type { EngineEvent, PlannedFile } from '../../core/transfer/events.js';

/** Rate window, ms: long enough to be steady, short enough to follow a changing link. */
const WINDOW_MS = 5_000;

export interface ProgressSnapshot {
  files_total: number;
  files_done: number;
  files_failed: number;
  bytes_total: number;
  bytes_sent: number;
  /** bytes per second over the last few seconds. */
  rate_bps: number;
  /** seconds left at the current rate; null when unknown. */
  eta_s: number | null;
  /** Files being transferred now, with their bytes sent. */
  active: { file: PlannedFile; sent: number }[];
}

export class ProgressTracker {
  private filesTotal = 0;
  private bytesTotal = 0;
  private done = 0;
  private failed = 0;
  private sent = 0;
  private readonly active = new Map<PlannedFile, number>();
  private readonly samples: { t: number; sent: number }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Declares the files of the run (bytes in total). */
  plan(files: readonly PlannedFile[]): void {
    this.filesTotal += files.length;
    this.bytesTotal += files.reduce((s, f) => s + f.bytes, 0);
  }

  onEvent(e: EngineEvent): void {
    if (e.type === 'bytes') {
      this.sent += e.delta;
      this.active.set(e.file, (this.active.get(e.file) ?? 0) + e.delta);
      return;
    }
    if (e.type !== 'file') return;
    if (e.state === 'uploading' && !this.active.has(e.file)) this.active.set(e.file, 0);
    if (e.state === 'registered' || e.state === 'failed') {
      const sentForFile = this.active.get(e.file) ?? 0;
      this.active.delete(e.file);
      if (e.state === 'registered') {
        this.done++;
        // Files skipped as already registered or duplicate count as done without bytes on the wire.
        if (sentForFile < e.file.bytes) this.bytesTotal -= e.file.bytes - sentForFile;
      } else {
        this.failed++;
        this.bytesTotal -= e.file.bytes - sentForFile;
      }
    }
  }

  snapshot(): ProgressSnapshot {
    const t = this.now();
    this.samples.push({ t, sent: this.sent });
    while (this.samples.length > 2 && t - this.samples[0].t > WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    const rate = dt > 0.2 ? Math.max(0, (this.sent - first.sent) / dt) : 0;
    const left = Math.max(0, this.bytesTotal - this.sent);
    return {
      files_total: this.filesTotal,
      files_done: this.done,
      files_failed: this.failed,
      bytes_total: Math.max(this.bytesTotal, this.sent),
      bytes_sent: this.sent,
      rate_bps: Math.round(rate),
      eta_s: rate > 0 ? Math.round(left / rate) : null,
      active: [...this.active].map(([file, sent]) => ({ file, sent })),
    };
  }
}
