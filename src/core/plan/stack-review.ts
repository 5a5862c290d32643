/**
 * What `--dry-run` shows per stack (issue 10): room (and room folder), frames, cameras, EV pattern — and
 * the warnings a photographer wants before sending: a stack that mixes cameras (MIXED_CAMERAS), spans more
 * than a few minutes (LONG_SPAN, > SPAN_LIMIT_MS between first and last capture) or repeats an EV value
 * (EV_REPEATED, e.g. `-2 0 +2 -2 0 +2`: two brackets in one stack). Files of one shot (IMG_0001.CR3 +
 * IMG_0001.JPG) count as one frame for the EV pattern. Pure, no I/O.
 */
import type { ExifMeta } from '../../contract/api.js';
import type { FileFacts } from '../transfer/events.js';
import { planStackOf } from './stack-keys.js';

/** "More than a few minutes": 3 minutes between the first and the last frame of one stack. */
export const SPAN_LIMIT_MS = 3 * 60_000;

export type StackWarning = 'MIXED_CAMERAS' | 'LONG_SPAN' | 'EV_REPEATED';

export interface StackReview {
  room_type: string;
  room_label: string | null;
  stack_id: string;
  /** Files of the stack. */
  files: number;
  bytes: number;
  /** Distinct cameras ("Canon EOS R5 #123"), in first-seen order. */
  cameras: string[];
  /** EV of each shot in capture order; null where unknown. */
  ev: (number | null)[];
  /** Last capture − first capture, ms; null without two capture times. */
  span_ms: number | null;
  warnings: StackWarning[];
  /** The EV values that repeat (EV_REPEATED). */
  repeated_ev: number[];
}

function camera(m: ExifMeta): string | null {
  // Canon and others repeat the make in the model ("Canon" + "Canon EOS R5"): say it once.
  const make = m.make?.trim() ?? '';
  const model = m.model?.trim() ?? '';
  const name = make && model.toLowerCase().startsWith(make.toLowerCase()) ? model : [make, model].filter(Boolean).join(' ');
  if (!name && !m.serial) return null;
  return m.serial ? `${name} #${m.serial}` : name;
}

function captureMs(m: ExifMeta): number | null {
  if (!m.captured_at) return null;
  const t = Date.parse(m.captured_at.endsWith('Z') || /[+-]\d\d:\d\d$/.test(m.captured_at) ? m.captured_at : `${m.captured_at}Z`);
  return Number.isFinite(t) ? t + (m.captured_subsec_ms ?? 0) : null;
}

export function reviewStacks(items: readonly FileFacts[], spanLimitMs = SPAN_LIMIT_MS): StackReview[] {
  const groups = new Map<string, FileFacts[]>();
  for (const i of items) {
    const k = planStackOf(i);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  }
  const out: StackReview[] = [];
  for (const files of groups.values()) {
    const first = files[0];
    const cameras = [...new Set(files.map((f) => camera(f.meta)).filter((c): c is string => c !== null))];
    // One shot = one stem within the folder (RAW + JPEG of the same frame).
    const shots = new Map<string, FileFacts>();
    for (const f of files) {
      const stem = f.relPath.replace(/\.[^./]*$/, '');
      if (!shots.has(stem)) shots.set(stem, f);
    }
    const ordered = [...shots.values()].sort((a, b) => (captureMs(a.meta) ?? 0) - (captureMs(b.meta) ?? 0) || a.relPath.localeCompare(b.relPath));
    const ev = ordered.map((f) => (typeof f.meta.ev === 'number' ? f.meta.ev : null));
    const times = ordered.map((f) => captureMs(f.meta)).filter((t): t is number => t !== null);
    const span = times.length >= 2 ? Math.max(...times) - Math.min(...times) : null;
    const seen = new Set<number>();
    const repeated = new Set<number>();
    for (const v of ev) if (v !== null) (seen.has(v) ? repeated : seen).add(v);
    const warnings: StackWarning[] = [];
    if (cameras.length > 1) warnings.push('MIXED_CAMERAS');
    if (span !== null && span > spanLimitMs) warnings.push('LONG_SPAN');
    if (repeated.size > 0) warnings.push('EV_REPEATED');
    out.push({
      room_type: first.room_type,
      room_label: first.room_label ?? null,
      stack_id: first.stack_id,
      files: files.length,
      bytes: files.reduce((s, f) => s + f.bytes, 0),
      cameras,
      ev,
      span_ms: span,
      warnings,
      repeated_ev: [...repeated],
    });
  }
  return out.sort((a, b) => a.room_type.localeCompare(b.room_type) || a.stack_id.localeCompare(b.stack_id) || (a.room_label ?? '').localeCompare(b.room_label ?? ''));
}
