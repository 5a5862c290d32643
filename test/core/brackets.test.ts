import { describe, expect, it } from 'vitest';
import type { ExifMeta } from '../../src/contract/api.js';
import { captureMs, groupBrackets } from '../../src/core/brackets.js';

interface Frame {
  relPath: string;
  meta: ExifMeta;
}

const R5: ExifMeta = { make: 'Canon', model: 'Canon EOS R5', serial: '032021001234' };
const SONY: ExifMeta = { make: 'SONY', model: 'ILCE-7RM4', serial: '4012345' };
const DRONE: ExifMeta = { make: 'DJI', model: 'FC3582' };

let counter = 1000;
/** A frame at `at` ('HH:MM:SS' on 2025-11-10) with EV `ev`; the shutter follows the EV around 1/60 s. */
function frame(at: string, ev: number | undefined, camera: ExifMeta = R5, extra: ExifMeta = {}): Frame {
  counter += 1;
  const meta: ExifMeta = { ...camera, captured_at: `2025-11-10T${at}`, exposure_time: (1 / 60) * 2 ** (ev ?? 0), ...extra };
  if (ev !== undefined) meta.ev = ev;
  return { relPath: `IMG_${counter}.JPG`, meta };
}

/** Frames shot 1 s apart from `start` (seconds after 10:00:00), one per EV. */
function bracket(startS: number, evs: number[], camera: ExifMeta = R5): Frame[] {
  return evs.map((ev, i) => frame(clock(startS + i), ev, camera));
}

function clock(s: number): string {
  const h = 10 + Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

const names = (stacks: Frame[][]): string[][] => stacks.map((s) => s.map((f) => f.relPath));

describe('groupBrackets', () => {
  it.each([
    [3, [0, -2, 2]],
    [5, [0, -1, 1, -2, 2]],
    [7, [0, -1, 1, -2, 2, -3, 3]],
  ])('groups a %i-frame bracket', (_n, evs) => {
    const frames = bracket(0, evs);
    expect(names(groupBrackets(frames))).toEqual([frames.map((f) => f.relPath)]);
  });

  it('splits consecutive brackets 25 s apart', () => {
    const a = bracket(0, [0, -2, 2]);
    const b = bracket(27, [0, -2, 2]);
    expect(names(groupBrackets([...b, ...a]))).toEqual([names([a])[0], names([b])[0]]);
  });

  it('splits two brackets fired 1 s apart at the repeated EV (new base frame)', () => {
    const frames = bracket(0, [0, -2, 2, 0, -2, 2]);
    expect(names(groupBrackets(frames))).toEqual([names([frames.slice(0, 3)])[0], names([frames.slice(3)])[0]]);
  });

  it('splits brackets whose order is -2, 0, +2 as well', () => {
    const frames = bracket(0, [-2, 0, 2, -2, 0, 2]);
    expect(groupBrackets(frames).map((s) => s.length)).toEqual([3, 3]);
  });

  it('splits manual-mode brackets (EV constant, shutter varies) at the repeated shutter', () => {
    const shutters = [1 / 60, 1 / 250, 1 / 15, 1 / 60, 1 / 250, 1 / 15];
    const frames = shutters.map((t, i) => frame(clock(i), 0, R5, { exposure_time: t }));
    expect(groupBrackets(frames).map((s) => s.length)).toEqual([3, 3]);
  });

  it('respects gapMs', () => {
    const frames = [frame('10:00:00', 0), frame('10:00:03', -2), frame('10:00:06', 2)];
    expect(groupBrackets(frames).map((s) => s.length)).toEqual([1, 1, 1]);
    expect(groupBrackets(frames, { gapMs: 3000 }).map((s) => s.length)).toEqual([3]);
  });

  it('survives a clock jump (camera clock set to a new hour mid-shoot)', () => {
    const before = bracket(0, [0, -2, 2]);
    const after = [frame('11:00:03', 0), frame('11:00:04', -2), frame('11:00:05', 2)];
    expect(names(groupBrackets([...before, ...after]))).toEqual([names([before])[0], names([after])[0]]);
  });

  it('survives a clock set back: frames group by time, not by file order', () => {
    const early = [frame('09:00:00', 0), frame('09:00:01', -2), frame('09:00:02', 2)];
    const late = bracket(0, [0, -2, 2]);
    expect(names(groupBrackets([...late, ...early]))).toEqual([names([early])[0], names([late])[0]]);
  });

  it('never mixes cameras, even when their frames interleave', () => {
    const r5 = bracket(0, [0, -2, 2]);
    const sony = bracket(0, [0, -2, 2], SONY);
    const drone = bracket(1, [0, -2, 2], DRONE);
    const stacks = groupBrackets([...r5, ...sony, ...drone]);
    expect(stacks).toHaveLength(3);
    for (const s of stacks) expect(new Set(s.map((f) => f.meta.model)).size).toBe(1);
    expect(stacks.map((s) => s.length)).toEqual([3, 3, 3]);
  });

  it('tells two bodies of the same model apart by serial', () => {
    const a = bracket(0, [0, -2, 2]);
    const b = bracket(0, [0, -2, 2], { ...R5, serial: '999' });
    expect(groupBrackets([...a, ...b]).map((s) => s.length)).toEqual([3, 3]);
  });

  it('makes single frames stacks of their own', () => {
    const frames = [frame('10:00:00', 0), frame('10:00:30', 0), frame('10:01:00', 0)];
    expect(groupBrackets(frames).map((s) => s.length)).toEqual([1, 1, 1]);
  });

  it('splits a burst at one exposure (same EV, same shutter) into single frames', () => {
    const frames = [frame('10:00:00', 0), frame('10:00:00', 0), frame('10:00:01', 0)];
    expect(groupBrackets(frames).map((s) => s.length)).toEqual([1, 1, 1]);
  });

  it('orders frames of the same second by relPath (the camera counter)', () => {
    const frames = [
      { relPath: 'IMG_0003.JPG', meta: { ...R5, captured_at: '2025-11-10T10:00:00', ev: 2 } },
      { relPath: 'IMG_0001.JPG', meta: { ...R5, captured_at: '2025-11-10T10:00:00', ev: 0 } },
      { relPath: 'IMG_0002.JPG', meta: { ...R5, captured_at: '2025-11-10T10:00:00', ev: -2 } },
    ];
    expect(names(groupBrackets(frames))).toEqual([['IMG_0001.JPG', 'IMG_0002.JPG', 'IMG_0003.JPG']]);
  });

  it('puts frames without capture time into stacks of their own, after the others', () => {
    const timed = bracket(0, [0, -2, 2]);
    const b = { relPath: 'b.jpg', meta: { ...R5 } };
    const a = { relPath: 'a.jpg', meta: { ...R5, captured_at: 'garbage' } };
    expect(names(groupBrackets([b, ...timed, a]))).toEqual([names([timed])[0], ['a.jpg'], ['b.jpg']]);
  });

  it('returns every frame exactly once, as the same objects', () => {
    const frames = [...bracket(0, [0, -2, 2, 0]), frame('10:05:00', undefined), { relPath: 'x', meta: {} }];
    const out = groupBrackets(frames).flat();
    expect(out).toHaveLength(frames.length);
    for (const f of frames) expect(out.filter((o) => o === f)).toHaveLength(1);
    expect(groupBrackets([])).toEqual([]);
  });
});

describe('captureMs', () => {
  it('reads local ISO times, ignoring a zone, with fractions', () => {
    expect(captureMs('2025-11-10T10:00:01')! - captureMs('2025-11-10T10:00:00')!).toBe(1000);
    expect(captureMs('2025-11-10T10:00:00.25')! - captureMs('2025-11-10T10:00:00')!).toBe(250);
    expect(captureMs('2025-11-10T10:00:00+02:00')).toBe(captureMs('2025-11-10T10:00:00'));
  });
  it('rejects absent or malformed times', () => {
    expect(captureMs(undefined)).toBeUndefined();
    expect(captureMs('2025:11:10 10:00:00')).toBeUndefined();
    expect(captureMs('2025-13-10T10:00:00')).toBeUndefined();
  });
});
