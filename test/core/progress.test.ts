/**
 * src/cli/render/progress.ts (ProgressTracker: files done, bytes sent, rate over a sliding window, ETA,
 * active transfers — fed by engine events) and src/cli/summary.ts (the end-of-run summary per room).
 */
import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../src/cli/render/progress.js';
import { etaText } from '../../src/cli/render/tty.js';
import { summarize } from '../../src/cli/summary.js';
import type { EngineEvent, FileOutcome, PlannedFile, RunResult } from '../../src/core/transfer/events.js';

const shoot = (orderId: string) => ({ root: `/shoots/${orderId}`, orderId }) as unknown as PlannedFile['shoot'];
const file = (rel: string, bytes: number, room = 'kitchen', orderId = 'ORD-1'): PlannedFile =>
  ({ relPath: rel, name: rel, bytes, room_type: room, stack_id: 'g001', shoot: shoot(orderId) }) as unknown as PlannedFile;

const st = (f: PlannedFile, state: 'waiting' | 'uploading' | 'uploaded' | 'registered' | 'failed', note?: 'already' | 'duplicate'): EngineEvent => ({
  type: 'file',
  file: f,
  state,
  ...(note ? { note } : {}),
});
const bytes = (f: PlannedFile, delta: number): EngineEvent => ({ type: 'bytes', file: f, delta });

function tracker() {
  const clock = { t: 1_000_000 };
  const p = new ProgressTracker(() => clock.t);
  return { p, clock };
}

describe('ProgressTracker', () => {
  it('starts from the plan: totals, nothing sent, no rate, no ETA', () => {
    const { p } = tracker();
    p.plan([file('a', 100), file('b', 300)]);
    p.plan([file('c', 600)]); // watch mode: plans add up
    expect(p.snapshot()).toEqual({
      files_total: 3,
      files_done: 0,
      files_failed: 0,
      bytes_total: 1000,
      bytes_sent: 0,
      rate_bps: 0,
      eta_s: null,
      active: [],
    });
  });

  it('follows a file through uploading → bytes → registered', () => {
    const { p } = tracker();
    const a = file('a', 100);
    p.plan([a]);
    p.onEvent(st(a, 'waiting'));
    expect(p.snapshot().active).toEqual([]);
    p.onEvent(st(a, 'uploading'));
    expect(p.snapshot().active).toEqual([{ file: a, sent: 0 }]);
    p.onEvent(bytes(a, 60));
    expect(p.snapshot()).toMatchObject({ bytes_sent: 60, active: [{ file: a, sent: 60 }] });
    p.onEvent(bytes(a, 40));
    p.onEvent(st(a, 'uploaded'));
    p.onEvent(st(a, 'registered'));
    expect(p.snapshot()).toMatchObject({ files_done: 1, files_failed: 0, bytes_sent: 100, bytes_total: 100, active: [] });
  });

  it('rate over the last seconds, and ETA from it', () => {
    const { p, clock } = tracker();
    const a = file('a', 10_000_000);
    p.plan([a]);
    p.onEvent(st(a, 'uploading'));
    p.snapshot(); // t = 0 s, 0 bytes
    clock.t += 1000;
    p.onEvent(bytes(a, 1_000_000));
    const s1 = p.snapshot();
    expect(s1.rate_bps).toBe(1_000_000);
    expect(s1.eta_s).toBe(9);
    clock.t += 1000;
    p.onEvent(bytes(a, 3_000_000));
    const s2 = p.snapshot();
    expect(s2.rate_bps).toBe(2_000_000); // 4 MB over 2 s
    expect(s2.eta_s).toBe(3);
  });

  it('no rate from a too short interval (≤ 0.2 s)', () => {
    const { p, clock } = tracker();
    const a = file('a', 1000);
    p.plan([a]);
    p.snapshot();
    clock.t += 100;
    p.onEvent(bytes(a, 500));
    expect(p.snapshot()).toMatchObject({ rate_bps: 0, eta_s: null });
  });

  it('the window slides: a link that stopped shows a falling rate, not the average since the start', () => {
    const { p, clock } = tracker();
    const a = file('a', 1e9);
    p.plan([a]);
    for (let i = 0; i < 10; i++) {
      p.snapshot();
      clock.t += 1000;
      p.onEvent(bytes(a, 1_000_000));
    }
    expect(p.snapshot().rate_bps).toBeGreaterThan(900_000);
    for (let i = 0; i < 6; i++) {
      clock.t += 1000;
      p.snapshot(); // nothing moves for 6 s
    }
    const s = p.snapshot();
    expect(s.rate_bps).toBe(0);
    expect(s.eta_s).toBeNull();
  });

  it('a retry that starts the file over (negative delta) takes its bytes back', () => {
    const { p } = tracker();
    const a = file('a', 100);
    p.plan([a]);
    p.onEvent(st(a, 'uploading'));
    p.onEvent(bytes(a, 70));
    p.onEvent(bytes(a, -70));
    expect(p.snapshot()).toMatchObject({ bytes_sent: 0, active: [{ file: a, sent: 0 }] });
    p.onEvent(bytes(a, 100));
    p.onEvent(st(a, 'registered'));
    expect(p.snapshot()).toMatchObject({ bytes_sent: 100, bytes_total: 100, files_done: 1 });
  });

  it('files registered without sending (already, duplicate) count as done and leave the byte total', () => {
    const { p, clock } = tracker();
    const [a, b, c] = [file('a', 500), file('b', 300), file('c', 200)];
    p.plan([a, b, c]);
    p.onEvent(st(a, 'registered', 'already'));
    p.onEvent(st(b, 'registered', 'duplicate'));
    const s = p.snapshot();
    expect(s).toMatchObject({ files_done: 2, bytes_total: 200, bytes_sent: 0 });
    clock.t += 1000;
    p.onEvent(st(c, 'uploading'));
    p.onEvent(bytes(c, 100));
    expect(p.snapshot()).toMatchObject({ rate_bps: 100, eta_s: 1 }); // the ETA only counts what is left to send
  });

  it('a failed file counts as failed and leaves its unsent bytes out of the total', () => {
    const { p } = tracker();
    const [a, b] = [file('a', 1000), file('b', 1000)];
    p.plan([a, b]);
    p.onEvent(st(a, 'uploading'));
    p.onEvent(bytes(a, 250));
    p.onEvent(st(a, 'failed'));
    p.onEvent(st(b, 'failed')); // failed before sending anything (e.g. FILE_TOO_LARGE at intent)
    expect(p.snapshot()).toMatchObject({ files_failed: 2, files_done: 0, bytes_total: 250, bytes_sent: 250, active: [] });
  });

  it('bytes_total is never below bytes_sent', () => {
    const { p } = tracker();
    const a = file('a', 100);
    p.plan([a]);
    p.onEvent(bytes(a, 150)); // e.g. a file that grew after the scan
    expect(p.snapshot()).toMatchObject({ bytes_sent: 150, bytes_total: 150 });
  });

  it('ignores other events', () => {
    const { p } = tracker();
    const a = file('a', 100);
    p.plan([a]);
    p.onEvent({ type: 'retry', file: a, code: 'NETWORK', detail: 'x', wait_ms: 10, attempt: 1 });
    p.onEvent({ type: 'warning', code: 'W', detail: 'x' });
    p.onEvent({ type: 'fatal', failure: { code: 'UNAUTHENTICATED', detail: 'x' } });
    expect(p.snapshot()).toMatchObject({ files_done: 0, files_failed: 0, bytes_sent: 0, active: [] });
  });
});

describe('summarize', () => {
  const outcome = (f: PlannedFile, state: FileOutcome['state'], extra: Partial<FileOutcome> = {}): FileOutcome => ({ file: f, state, duration_ms: 100, ...extra });

  it('rows per order and room, sorted; registered / already / skipped (scan) / failed / pending; wall time per room; totals', () => {
    const result: RunResult = {
      outcomes: [
        outcome(file('k1', 10, 'kitchen'), 'registered', { started_ms: 1000, duration_ms: 400 }),
        outcome(file('k2', 20, 'kitchen'), 'registered', { note: 'duplicate', started_ms: 1200, duration_ms: 300 }),
        outcome(file('b1', 30, 'bathroom'), 'failed', { failure: { code: 'NETWORK', detail: 'x' }, started_ms: 1000, duration_ms: 100 }),
        outcome(file('b2', 40, 'bathroom'), 'registered', { note: 'already', duration_ms: 0 }),
        outcome(file('l1', 50, 'livingroom', 'ORD-0'), 'waiting', { duration_ms: 0 }),
      ],
      forbidden_orders: ['ORD-0'],
      interrupted: false,
      bytes_sent: 10,
      duration_ms: 1234,
    };
    const s = summarize(result, [{ order_id: 'ORD-1', room_type: 'kitchen' }, { order_id: 'ORD-1', room_type: 'garage' }]);
    expect(s.rows.map((r) => [r.order_id, r.room_type])).toEqual([
      ['ORD-0', 'livingroom'],
      ['ORD-1', 'bathroom'],
      ['ORD-1', 'garage'],
      ['ORD-1', 'kitchen'],
    ]);
    // kitchen: two overlapping files from 1000 to 1500 → 500 ms of wall time, not 400 + 300.
    expect(s.rows[3]).toEqual({ order_id: 'ORD-1', room_type: 'kitchen', files: 2, registered: 2, already: 1, skipped: 1, failed: 0, pending: 0, bytes: 30, duration_ms: 500 });
    expect(s.rows[1]).toMatchObject({ files: 2, registered: 1, already: 1, skipped: 0, failed: 1, pending: 0, duration_ms: 100 });
    expect(s.rows[2]).toMatchObject({ files: 0, skipped: 1, duration_ms: 0 });
    expect(s.rows[0]).toMatchObject({ files: 1, pending: 1 });
    expect(s.totals).toEqual({ files: 5, registered: 3, already: 2, skipped: 2, failed: 1, pending: 1, bytes: 150, duration_ms: 1234 });
    for (const r of s.rows) expect(r.duration_ms).toBeLessThanOrEqual(s.duration_ms);
    expect(s.failures.map((f) => f.file.relPath)).toEqual(['b1']);
    expect(s).toMatchObject({ duration_ms: 1234, bytes_sent: 10, interrupted: false, forbidden_orders: ['ORD-0'] });
    expect(s.fatal).toBeUndefined();
  });

  it('an empty run', () => {
    const s = summarize({ outcomes: [], forbidden_orders: [], interrupted: true, bytes_sent: 0, duration_ms: 0, fatal: { code: 'UNAUTHENTICATED', detail: 'x' } });
    expect(s.rows).toEqual([]);
    expect(s.totals.files).toBe(0);
    expect(s.fatal).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(s.interrupted).toBe(true);
  });
});

describe('etaText: the time left on the overall line', () => {
  it("reads '--' without a rate, '<1s' when under a second is left, whole seconds otherwise", () => {
    expect(etaText({ eta_s: null, bytes_sent: 0, bytes_total: 100 })).toBe('--');
    expect(etaText({ eta_s: 0, bytes_sent: 90, bytes_total: 100 })).toBe('<1s');
    expect(etaText({ eta_s: 0, bytes_sent: 100, bytes_total: 100 })).toMatch(/^0[.,]0s$/);
    expect(etaText({ eta_s: 3, bytes_sent: 10, bytes_total: 100 })).toMatch(/^3[.,]0s$/);
  });
});
