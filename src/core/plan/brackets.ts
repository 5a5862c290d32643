/**
 * Grouping loose frames into bracketed stacks from EXIF (SPEC "Folder layout": "Where no stack folder
 * exists, brackets are grouped from EXIF (capture time and exposure compensation); a file that belongs
 * to no bracket is a stack of its own"). Pure, no I/O; the exposure-order rules are in brackets-pattern.ts.
 */
import type { ExifMeta } from '../../contract/api.js';
import { mimeFor } from '../../contract/media.js';
import { continuesBracket, isCompleteBracket } from './brackets-pattern.js';

/** Default largest gap between consecutive frames of one bracket, ms (CLI `--stack-gap`, seconds). */
export const DEFAULT_BRACKET_GAP_MS = 2000;
/** Default most frames in one stack (the longest AEB of Nikon/Sony bodies is 9 frames). */
export const DEFAULT_MAX_STACK_FRAMES = 9;

export interface GroupOptions {
  /** Largest gap between consecutive frames of a stack, ms (default 2000; negative counts as 0). */
  gapMs?: number;
  /** Most frames (files of distinct shots) in one stack (default 9). */
  maxFrames?: number;
}

/** One shot: its files (RAW + JPEG of the same shot share a stem, camera and time) and what orders it. */
interface Shot<T> {
  frames: T[];
  meta: ExifMeta;
  t: number;
  camera: string;
  name: string;
  counter?: { prefix: string; n: number; digits: number };
}

/**
 * Group frames into stacks (brackets).
 *
 * Frames that can join a bracket — a capture time (`captured_at`, plus `captured_subsec_ms`), a camera
 * (make or model) and not a video — are split by camera (make + model + serial: cameras never share a
 * stack, even when their frames interleave in time). Files of one shot (same folder, stem, camera and
 * time, e.g. IMG_0001.CR3 + IMG_0001.JPG) stay together and count as one frame. Each camera's shots are
 * put in firing order: by file counter when all of them carry one with the same prefix (wrapping 9999 →
 * 0001), else by capture time with the counter (numbers in the name compared as numbers) breaking ties.
 * The counter is the camera's own firing order, so a clock set back mid-shoot cannot interleave two
 * brackets. That sequence is then cut into stacks; a stack must hold, between consecutive frames:
 * - a capture time at most `gapMs` later and never earlier (a clock jump either way ends a stack);
 * - a file counter counting forward, where the two names share a prefix;
 * - an exposure that continues the stack's pattern (brackets-pattern.ts: no repeated EV — a new base
 *   frame starts the next bracket —, a monotonic or centre-out order; the shutter for manual brackets);
 * and at most `maxFrames` frames. Of the cuts that satisfy this, the one scoring highest is taken: a
 * complete bracket of k frames (equal steps, or base + mirrored pairs) scores (k−1)² + 1, any other stack
 * k − 1 — so two brackets fired 1 s apart, or a single frame just before a bracket, are not merged into
 * lopsided stacks. Ties go to the cut with the longer earlier stacks.
 *
 * @param frames any objects with `relPath` (shoot-relative, '/'-separated) and `meta`; returned as they are
 * @returns stacks ordered by their first frame's capture time (then file name); frames that cannot join a
 *   bracket are stacks of one in that order too (videos, no camera), and those without a capture time
 *   come last, by relPath. Every input frame appears exactly once.
 */
export function groupBrackets<T extends { relPath: string; meta: ExifMeta }>(frames: T[], opts: GroupOptions = {}): T[][] {
  const gapMs = Math.max(0, opts.gapMs ?? DEFAULT_BRACKET_GAP_MS);
  const maxFrames = Math.max(1, opts.maxFrames ?? DEFAULT_MAX_STACK_FRAMES);
  const { shots, singles, untimed } = toShots(frames);

  const byCamera = new Map<string, Shot<T>[]>();
  for (const shot of shots) byCamera.set(shot.camera, [...(byCamera.get(shot.camera) ?? []), shot]);
  const stacks: Shot<T>[][] = [];
  for (const own of byCamera.values()) stacks.push(...cut(firingOrder(own), gapMs, maxFrames));

  const ordered = [...stacks, ...singles.map((s) => [s])];
  ordered.sort((a, b) => compareShots(a[0], b[0]));
  const out = ordered.map((s) => s.flatMap((shot) => shot.frames));
  untimed.sort((a, b) => compareText(a.relPath, b.relPath));
  for (const frame of untimed) out.push([frame]);
  return out;
}

/**
 * One camera's shots in firing order: by counter (rotated to start after the widest gap between counters,
 * so 9998, 9999, 0001 stay in that order) when every shot has one with the same prefix; else by time.
 */
function firingOrder<T>(shots: Shot<T>[]): Shot<T>[] {
  const prefix = shots[0].counter?.prefix;
  if (!shots.every((s) => s.counter && s.counter.prefix === prefix)) return [...shots].sort(compareShots);
  const sorted = [...shots].sort((a, b) => a.counter!.n - b.counter!.n || compareShots(a, b));
  const modulus = 10 ** Math.max(...shots.map((s) => s.counter!.digits));
  let start = 0;
  let widest = -1;
  for (let i = 0; i < sorted.length; i++) {
    const prev = sorted[(i - 1 + sorted.length) % sorted.length].counter!.n;
    const gap = (sorted[i].counter!.n - prev + modulus) % modulus || (sorted.length === 1 ? modulus : 0);
    if (gap > widest) {
      widest = gap;
      start = i;
    }
  }
  return [...sorted.slice(start), ...sorted.slice(0, start)];
}

/** Cuts a firing-ordered sequence into stacks (dynamic programming over the cut points, see groupBrackets). */
function cut<T>(seq: Shot<T>[], gapMs: number, maxFrames: number): Shot<T>[][] {
  const n = seq.length;
  // lastEnd[i]: the furthest j such that seq[i..j] may be one stack (the rules hold for each added frame).
  const lastEnd = seq.map((_, i) => {
    let j = i;
    while (j + 1 < n && j + 1 - i < maxFrames && mayFollow(seq.slice(i, j + 1), seq[j + 1], gapMs)) j++;
    return j;
  });
  const best: number[] = [0];
  const from: number[] = [0];
  for (let j = 0; j < n; j++) {
    best[j + 1] = -Infinity;
    for (let i = j; i >= 0 && j - i < maxFrames; i--) {
      if (lastEnd[i] < j) continue;
      const score = best[i] + stackScore(seq.slice(i, j + 1));
      if (score > best[j + 1]) {
        best[j + 1] = score;
        from[j + 1] = i;
      }
    }
  }
  const out: Shot<T>[][] = [];
  for (let end = n; end > 0; end = from[end]) out.unshift(seq.slice(from[end], end));
  return out;
}

/** Whether `next` may follow the last shot of `stack` in one stack (time, counter, exposure pattern). */
function mayFollow<T>(stack: Shot<T>[], next: Shot<T>, gapMs: number): boolean {
  const last = stack[stack.length - 1];
  const dt = next.t - last.t;
  if (dt < 0 || dt > gapMs) return false;
  if (last.counter && next.counter && last.counter.prefix === next.counter.prefix && counterSteps(last, next) === undefined) return false;
  return continuesBracket(
    stack.map((s) => s.meta),
    next.meta,
  );
}

/** A complete bracket of k frames scores (k−1)² + 1, any other stack k − 1 (see groupBrackets). */
function stackScore(stack: Shot<unknown>[]): number {
  const k = stack.length;
  return isCompleteBracket(stack.map((s) => s.meta)) ? (k - 1) ** 2 + 1 : k - 1;
}

/** Splits frames into groupable shots (sorted), timed singles and untimed frames. */
function toShots<T extends { relPath: string; meta: ExifMeta }>(frames: T[]): { shots: Shot<T>[]; singles: Shot<T>[]; untimed: T[] } {
  const byKey = new Map<string, Shot<T>>();
  const singles: Shot<T>[] = [];
  const untimed: T[] = [];
  for (const frame of frames) {
    const t = frameTimeMs(frame.meta);
    if (t === undefined) {
      untimed.push(frame);
      continue;
    }
    const slash = frame.relPath.lastIndexOf('/');
    const name = frame.relPath.slice(slash + 1);
    const camera = cameraKey(frame.meta);
    const shot: Shot<T> = { frames: [frame], meta: frame.meta, t, camera, name, counter: counterOf(name) };
    if (!frame.meta.make && !frame.meta.model) singles.push(shot);
    else if (mimeFor(name).startsWith('video/')) singles.push(shot);
    else {
      const stem = name.replace(/\.[^.]*$/, '').toLowerCase();
      // whole seconds: a RAW may lack the sub-seconds its JPEG carries
      const key = [frame.relPath.slice(0, slash + 1), stem, camera, captureMs(frame.meta.captured_at)].join('\u0000');
      const sibling = byKey.get(key);
      if (sibling) {
        sibling.frames.push(frame);
        sibling.frames.sort((a, b) => compareText(a.relPath, b.relPath));
        if (sibling.meta.ev === undefined && frame.meta.ev !== undefined) sibling.meta = frame.meta;
        if (frame.meta.captured_subsec_ms !== undefined && sibling.meta.captured_subsec_ms === undefined) sibling.t = t;
      } else byKey.set(key, shot);
    }
  }
  const shots = [...byKey.values()].sort(compareShots);
  return { shots, singles, untimed };
}

/**
 * Capture time of a frame in ms on a UTC-based scale of the camera's own clock: `captured_at` plus
 * `captured_subsec_ms` (unless captured_at carries its own fraction); undefined without a valid time.
 */
export function frameTimeMs(meta: ExifMeta): number | undefined {
  const t = captureMs(meta.captured_at);
  if (t === undefined) return undefined;
  const sub = meta.captured_subsec_ms;
  const hasFraction = /T\d{2}:\d{2}:\d{2}\./.test(meta.captured_at!);
  return !hasFraction && sub !== undefined && sub >= 0 && sub < 1000 ? t + Math.floor(sub) : t;
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

/** The file counter of a name: the digits ending its stem ("IMG_0412.JPG" → IMG_ / 412 / 4 digits). */
function counterOf(name: string): Shot<unknown>['counter'] {
  const m = /^(.*?)(\d+)$/.exec(name.replace(/\.[^.]*$/, ''));
  return m ? { prefix: m[1].toLowerCase(), n: Number(m[2]), digits: m[2].length } : undefined;
}

/** Counter steps from `a` forward to `b` (wrapping at 10^digits), or undefined when not comparable. */
function counterSteps(a: Shot<unknown>, b: Shot<unknown>): number | undefined {
  if (!a.counter || !b.counter || a.counter.prefix !== b.counter.prefix) return undefined;
  const diff = b.counter.n - a.counter.n;
  if (diff > 0) return diff;
  const modulus = 10 ** Math.max(a.counter.digits, b.counter.digits);
  return -diff > modulus / 2 ? diff + modulus : undefined;
}

function compareShots(a: Shot<unknown>, b: Shot<unknown>): number {
  return a.t - b.t || compareNatural(a.name, b.name) || compareText(a.name, b.name);
}

/** File names with digit runs compared as numbers ("IMG_999" < "IMG_1000"), other runs by code unit. */
export function compareNatural(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i];
    const y = rb[i];
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    const c = nx && ny ? Number(x) - Number(y) || x.length - y.length : compareText(x, y);
    if (c !== 0) return c;
  }
  return ra.length - rb.length;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
