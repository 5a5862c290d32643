/**
 * Whether one more frame continues an exposure bracket, from the exposure pattern alone (SPEC "Folder
 * layout": brackets are grouped by capture time and exposure compensation). Pure, no I/O.
 *
 * A bracket steps one variable — the "level", in stops:
 * - auto-exposure bracketing (AEB) records each frame's offset as ExposureBiasValue → level = EV;
 * - manual-mode bracketing keeps EV constant and varies the shutter → level = log2(exposure time).
 * Cameras fire the levels in one of two orders (Canon/Nikon/Sony/Pentax/Fuji AEB menus):
 * - monotonic: −2, −1, 0, +1, +2 (or descending; one-sided 0, +1, +2);
 * - centre-out: the base first, then pairs on alternating sides: 0, −1, +1, −2, +2 or 0, −3, +3, −2, +2, −1, +1
 *   (either side first).
 * So a frame continues a bracket when its level is new to it and it keeps an order the frames so far can
 * still be in; a repeated level is the next bracket's base frame ("returns to a new base frame").
 * A bracket is complete when it has one of these shapes whole: equal steps (monotonic), or the base and
 * mirrored pairs (centre-out, odd length).
 */
import type { ExifMeta } from '../../contract/api.js';

/** Two EVs closer than this are the same step (cameras write thirds as 0.3, 0.33 or 0.3333). */
export const EV_TOLERANCE = 0.1;
/**
 * Two shutter levels closer than this (stops) are the same step: nominal speeds (1/60 vs 1/64) differ by
 * ~0.1 stop, and the meter's drift between two plain shots in A/P mode stays below half a stop, while
 * manual brackets step a stop or more.
 */
export const SHUTTER_TOLERANCE_STOPS = 0.5;

/**
 * Whether `next` continues the bracket `stack` (frames in firing order, non-empty) by exposure:
 * EV when the EVs of stack + next are not all equal, else the shutter when every frame has one,
 * else there is nothing to tell them apart and the answer is yes (capture time alone decides).
 */
export function continuesBracket(stack: readonly ExifMeta[], next: ExifMeta): boolean {
  const lv = levelsOf([...stack, next]);
  if (!lv) return true;
  return continuesSequence(lv.levels.slice(0, -1), lv.levels[lv.levels.length - 1], lv.tol);
}

/**
 * Whether the frames `stack` (firing order) form a complete bracket of three or more frames: monotonic
 * with equal steps (−2, −1, 0, +1, +2; 0, +1, +2) or centre-out with mirrored pairs (0, −2, +2;
 * 0, −3, +3, −2, +2, −1, +1), by EV when it varies, else by shutter (as continuesBracket).
 */
export function isCompleteBracket(stack: readonly ExifMeta[]): boolean {
  const lv = levelsOf(stack);
  if (!lv || lv.levels.length < 3) return false;
  const { levels, tol } = lv;
  const steps = levels.slice(1).map((l, i) => l - levels[i]);
  if (monotonicDirection(levels, tol) !== 0 && steps.every((d) => Math.abs(d - steps[0]) < tol)) return true;
  if (levels.length % 2 === 0 || centreOutNextSide(levels, tol) === 0) return false;
  const base = levels[0];
  for (let i = 1; i < levels.length; i += 2) {
    if (Math.abs(Math.abs(levels[i] - base) - Math.abs(levels[i + 1] - base)) >= tol) return false;
  }
  return true;
}

/** The varying level of the frames and its tolerance: EV when it varies, else log2 shutter, else null. */
function levelsOf(frames: readonly ExifMeta[]): { levels: number[]; tol: number } | null {
  const evs = frames.map(evOf);
  if (evs.some((ev) => Math.abs(ev - evs[0]) >= EV_TOLERANCE)) return { levels: evs, tol: EV_TOLERANCE };
  const times = frames.map((m) => m.exposure_time);
  if (times.every((t): t is number => t !== undefined && t > 0)) return { levels: times.map(Math.log2), tol: SHUTTER_TOLERANCE_STOPS };
  return null;
}

/**
 * Whether level `next` continues the levels `seq` (firing order) as a monotonic or centre-out bracket
 * (see the module comment): never a repeated level (within `tol`); with two or more levels, an order
 * the sequence is still consistent with must accept it. A sequence in neither order (possible only for
 * hand-made brackets) accepts any new level.
 */
export function continuesSequence(seq: readonly number[], next: number, tol: number): boolean {
  if (seq.some((l) => Math.abs(l - next) < tol)) return false;
  if (seq.length < 2) return true;
  const mono = monotonicDirection(seq, tol);
  const centre = centreOutNextSide(seq, tol);
  if (mono === 0 && centre === 0) return true;
  const base = seq[0];
  if (mono !== 0 && Math.sign(next - seq[seq.length - 1]) === mono) return true;
  if (centre !== 0 && Math.sign(next - base) === centre) return true;
  return false;
}

/** +1 when strictly ascending, −1 when strictly descending (steps of at least `tol`), else 0. */
function monotonicDirection(seq: readonly number[], tol: number): number {
  let dir = 0;
  for (let i = 1; i < seq.length; i++) {
    const step = seq[i] - seq[i - 1];
    if (Math.abs(step) < tol) return 0;
    const s = Math.sign(step);
    if (dir !== 0 && s !== dir) return 0;
    dir = s;
  }
  return dir;
}

/**
 * For a centre-out sequence (base, then sides σ, −σ, σ, −σ …), the side (+1 above / −1 below the base) the
 * next frame must fall on; 0 when the sequence is not centre-out.
 */
function centreOutNextSide(seq: readonly number[], tol: number): number {
  const base = seq[0];
  const first = side(seq[1] - base, tol);
  if (first === 0) return 0;
  for (let i = 1; i < seq.length; i++) {
    const expected = i % 2 === 1 ? first : -first;
    if (side(seq[i] - base, tol) !== expected) return 0;
  }
  return seq.length % 2 === 1 ? first : -first;
}

function side(delta: number, tol: number): number {
  return Math.abs(delta) < tol ? 0 : Math.sign(delta);
}

/** Exposure compensation in EV; a missing value counts as 0 (no compensation). */
function evOf(meta: ExifMeta): number {
  return meta.ev ?? 0;
}
