/**
 * Grouping loose frames into bracketed stacks from EXIF (SPEC "Folder layout": "Where no stack folder
 * exists, brackets are grouped from EXIF (capture time and exposure compensation); a file that belongs
 * to no bracket is a stack of its own"). First version; pure, no I/O.
 */
import type { ExifMeta } from '../contract/api.js';

/** Default largest gap between consecutive frames of one bracket, ms. */
export const DEFAULT_BRACKET_GAP_MS = 2000;

/**
 * Group frames into stacks (brackets).
 *
 * Frames are ordered by capture time (`meta.captured_at`, the camera's local clock; ties by relPath, i.e.
 * the camera's file counter). A frame joins the open stack of its camera (same make + model + serial)
 * when it was taken at most `gapMs` after that stack's last frame and does not repeat an exposure step
 * already in the stack; otherwise it starts a new stack. "Repeats a step": when exposure compensation
 * varies within the stack (auto-exposure bracketing, e.g. 0, −2, +2), the same EV again — the next
 * bracket's base frame; when it does not vary (manual-mode bracketing varies the shutter instead), the
 * same exposure time again (within 1 %). Frames of different cameras never share a stack, even when
 * interleaved in time. Frames without a (parseable) capture time are a stack each.
 *
 * @param frames any objects with `relPath` and `meta`; returned as they are, never copied
 * @param opts.gapMs largest gap between consecutive frames of a stack, ms (default 2000)
 * @returns stacks in order of their first frame's capture time, then the frames without capture time
 *   (each alone, in relPath order); every input frame appears exactly once
 */
export function groupBrackets<T extends { relPath: string; meta: ExifMeta }>(frames: T[], opts: { gapMs?: number } = {}): T[][] {
  const gapMs = opts.gapMs ?? DEFAULT_BRACKET_GAP_MS;
  const timed: { frame: T; t: number }[] = [];
  const untimed: T[] = [];
  for (const frame of frames) {
    const t = captureMs(frame.meta.captured_at);
    if (t === undefined) untimed.push(frame);
    else timed.push({ frame, t });
  }
  timed.sort((a, b) => a.t - b.t || compareText(a.frame.relPath, b.frame.relPath));

  const stacks: T[][] = [];
  const open = new Map<string, { frames: T[]; lastT: number }>();
  for (const { frame, t } of timed) {
    const camera = cameraKey(frame.meta);
    const current = open.get(camera);
    if (current && t - current.lastT <= gapMs && !repeatsStep(current.frames, frame)) {
      current.frames.push(frame);
      current.lastT = t;
    } else {
      const stack = [frame];
      stacks.push(stack);
      open.set(camera, { frames: stack, lastT: t });
    }
  }
  untimed.sort((a, b) => compareText(a.relPath, b.relPath));
  for (const frame of untimed) stacks.push([frame]);
  return stacks;
}

/**
 * "YYYY-MM-DDTHH:MM:SS" (optionally ".fff" and a zone, which is ignored: frames are compared per camera,
 * on its own clock) → ms on a UTC-based scale; undefined when absent or not a valid date-time.
 */
export function captureMs(capturedAt: string | undefined): number | undefined {
  if (!capturedAt) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?/.exec(capturedAt);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/** One key per camera body: make, model and serial (missing parts empty), case- and space-insensitive. */
function cameraKey(meta: ExifMeta): string {
  return [meta.make, meta.model, meta.serial].map((s) => (s ?? '').trim().toLowerCase()).join('\u0000');
}

/** Whether `frame` repeats an exposure step already in `stack` (see groupBrackets). */
function repeatsStep<T extends { meta: ExifMeta }>(stack: T[], frame: T): boolean {
  const ev = evOf(frame.meta);
  const evVaries = stack.some((f) => evOf(f.meta) !== ev);
  if (evVaries) return stack.some((f) => evOf(f.meta) === ev);
  const exposure = frame.meta.exposure_time;
  if (exposure === undefined) return false;
  return stack.some((f) => f.meta.exposure_time !== undefined && Math.abs(f.meta.exposure_time - exposure) <= 0.01 * exposure);
}

/** Exposure compensation rounded to 1/100 EV (cameras write thirds as 0.33 or 0.3333); missing → 0. */
function evOf(meta: ExifMeta): number {
  return Math.round((meta.ev ?? 0) * 100);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
