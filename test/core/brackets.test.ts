import { describe, expect, it } from 'vitest';
import type { ExifMeta } from '../../src/contract/api.js';
import { captureMs, compareNatural, frameTimeMs, groupBrackets } from '../../src/core/plan/brackets.js';
import { continuesBracket, continuesSequence } from '../../src/core/plan/brackets-pattern.js';

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

describe('groupBrackets: AEB orders and brackets fired back to back', () => {
  it.each([
    ['5 frames centre-out', [0, -1, 1, -2, 2]],
    ['7 frames centre-out, widest first', [0, -3, 3, -2, 2, -1, 1]],
    ['5 frames ascending', [-2, -1, 0, 1, 2]],
    ['5 frames descending', [2, 1, 0, -1, -2]],
    ['3 frames over first', [0, 2, -2]],
    ['one-sided', [0, 1, 2]],
    ['thirds', [0, -0.3, 0.3, -0.7, 0.7]],
  ])('%s: one stack, and two when fired twice 1 s apart', (_name, evs) => {
    const a = bracket(0, evs);
    expect(names(groupBrackets(a))).toEqual([names([a])[0]]);
    const b = bracket(evs.length, evs);
    expect(names(groupBrackets([...a, ...b]))).toEqual([names([a])[0], names([b])[0]]);
  });

  it.each([
    ['3 then 5', [0, -2, 2], [0, -1, 1, -2, 2]],
    ['5 then 3', [0, -1, 1, -2, 2], [0, -2, 2]],
    ['±2 then ±1 centre-out', [0, -2, 2], [0, -1, 1]],
    ['ascending ±2 then ascending ±1', [-2, 0, 2], [-1, 0, 1]],
    ['new base above: 0 ±2 then +1 ±2', [0, -2, 2], [1, -1, 3]],
    ['7 then 3', [0, -3, 3, -2, 2, -1, 1], [0, -1, 1]],
    ['new base below: 0 ±2 then −1 ±2', [0, -2, 2], [-1, -3, 1]],
    ['3 then a single frame below the base', [0, -2, 2], [-1]],
  ])('splits %s fired 1 s apart', (_name, first, second) => {
    const a = bracket(0, first);
    const b = bracket(first.length, second);
    expect(names(groupBrackets([...b, ...a]))).toEqual([names([a])[0], names([b])[0]]);
  });

  it('makes a single frame between brackets a stack of its own, even within the gap', () => {
    const a = bracket(0, [0, -2, 2]);
    const single = frame(clock(3), 1); // centre-out 0, −2, +2 continues below the base, never at +1
    const b = bracket(4, [0, -2, 2]);
    expect(names(groupBrackets([...a, single, ...b]))).toEqual([names([a])[0], [single.relPath], names([b])[0]]);
  });

  it('caps a stack at maxFrames (default 9)', () => {
    const evs = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5];
    expect(groupBrackets(bracket(0, evs)).map((s) => s.length)).toEqual([9, 2]);
    expect(groupBrackets(bracket(100, [0, -1, 1, -2, 2]), { maxFrames: 3 }).map((s) => s.length)).toEqual([3, 2]);
  });

  it('tells plain shots in A mode (meter drift under half a stop) from manual brackets', () => {
    const plain = [frame(clock(0), 0, R5, { exposure_time: 1 / 60 }), frame(clock(1), 0, R5, { exposure_time: 1 / 80 })];
    expect(groupBrackets(plain).map((s) => s.length)).toEqual([1, 1]);
  });
});

describe('groupBrackets: clocks, cameras, counters', () => {
  it('keeps two sequences apart when the clock was set back 2 s between them (the file counter decides)', () => {
    const a = [frame('10:00:00', 0), frame('10:00:01', -2), frame('10:00:02', 2)]; // IMG_n … n+2
    const b = [frame('10:00:01', 0), frame('10:00:02', -1), frame('10:00:03', 1)]; // IMG_n+3 … n+5, clock 2 s back
    expect(names(groupBrackets([...b, ...a]))).toEqual([names([a])[0], names([b])[0]]);
  });

  it('tells two bodies of one model without serial numbers apart by their counters', () => {
    const body = (n: number, at: string, ev: number): Frame => ({ relPath: `IMG_${n}.JPG`, meta: { make: 'Canon', model: 'Canon EOS R6', captured_at: `2025-11-10T${at}`, ev } });
    const a = [body(1001, '10:00:00', 0), body(1002, '10:00:01', -2), body(1003, '10:00:02', 2)];
    const b = [body(5001, '10:00:00', 0), body(5002, '10:00:01', -2), body(5003, '10:00:02', 2)];
    expect(names(groupBrackets([a[0], b[0], a[1], b[1], a[2], b[2]]))).toEqual([names([a])[0], names([b])[0]]);
  });

  it('splits at a forward clock jump bigger than the gap, even inside a bracket', () => {
    const frames = [frame('10:00:00', 0), frame('10:00:01', -2), frame('10:30:00', 2)];
    expect(groupBrackets(frames).map((s) => s.length)).toEqual([2, 1]);
  });

  it('follows the counter across its wrap 9999 → 0001', () => {
    const frames = [9998, 9999, 1].map((n, i) => ({ relPath: `IMG_${String(n).padStart(4, '0')}.JPG`, meta: { ...R5, captured_at: '2025-11-10T10:00:00', ev: [0, -2, 2][i] } }));
    expect(groupBrackets(frames).map((s) => s.length)).toEqual([3]);
  });

  it('orders frames of the same second by the counter as a number (room-9 < room-10)', () => {
    const frames = [10, 11, 9].map((n) => ({ relPath: `Wohnzimmer/room-${n}.jpg`, meta: { ...R5, captured_at: '2025-11-10T10:00:00', ev: { 9: 0, 10: -2, 11: 2 }[n] } }));
    expect(names(groupBrackets(frames))).toEqual([['Wohnzimmer/room-9.jpg', 'Wohnzimmer/room-10.jpg', 'Wohnzimmer/room-11.jpg']]);
  });

  it('interleaves three cameras fired in the same seconds with sub-second stamps', () => {
    const sub = (f: Frame, ms: number): Frame => ({ ...f, meta: { ...f.meta, captured_subsec_ms: ms } });
    const r5 = bracket(0, [0, -2, 2]).map((f) => sub(f, 100));
    const sony = bracket(0, [0, -2, 2], SONY).map((f) => sub(f, 500));
    const drone = bracket(0, [0, -1, 1], DRONE).map((f) => sub(f, 900));
    const stacks = groupBrackets([...drone, ...sony, ...r5]);
    expect(names(stacks)).toEqual([names([r5])[0], names([sony])[0], names([drone])[0]]);
  });

  it('measures the gap with sub-seconds: 1.5 s → 3.8 s is 2.3 s, not 2 s', () => {
    const at = (s: string, ms: number, ev: number) => frame(s, ev, R5, { captured_subsec_ms: ms });
    const frames = [at('10:00:00', 900, 0), at('10:00:01', 200, -1), at('10:00:01', 500, 1), at('10:00:03', 800, -2), at('10:00:04', 100, 2)];
    expect(groupBrackets(frames).map((s) => s.length)).toEqual([3, 2]);
    const whole = frames.map((f) => ({ ...f, meta: { ...f.meta, captured_subsec_ms: undefined } }));
    expect(groupBrackets(whole).map((s) => s.length)).toEqual([5]); // without them the gap looks like 2 s
  });

  it('splits where the counter goes forward but the (sub-second) time goes back', () => {
    const a = { relPath: 'IMG_0002.JPG', meta: { ...R5, captured_at: '2025-11-10T10:00:00', captured_subsec_ms: 100, ev: 0 } };
    const b = { relPath: 'IMG_0001.JPG', meta: { ...R5, captured_at: '2025-11-10T10:00:00', captured_subsec_ms: 600, ev: -2 } };
    expect(names(groupBrackets([b, a]))).toEqual([['IMG_0002.JPG'], ['IMG_0001.JPG']]); // counter 1 after 2: not one sequence
  });

  it('keeps RAW + JPEG of one shot together as one frame', () => {
    const jpgs = bracket(0, [0, -2, 2]);
    const raws = jpgs.map((f) => ({ relPath: f.relPath.replace('.JPG', '.CR3'), meta: f.meta }));
    const stacks = groupBrackets([...raws, ...jpgs]);
    expect(stacks.map((s) => s.length)).toEqual([6]);
    expect(stacks[0].slice(0, 2).map((f) => f.relPath)).toEqual([raws[0].relPath, jpgs[0].relPath]);
    // the JPEG carries sub-seconds, its RAW not: still one shot
    const subJpgs = jpgs.map((f) => ({ ...f, meta: { ...f.meta, captured_subsec_ms: 400 } }));
    expect(groupBrackets([...raws, ...subJpgs]).map((s) => s.length)).toEqual([6]);
  });

  it('makes videos and frames without a camera stacks of their own, in time order', () => {
    const a = bracket(0, [0, -2, 2]);
    const clip = { relPath: 'MVI_2000.MOV', meta: { ...R5, captured_at: '2025-11-10T10:00:01' } };
    const anonymous = [0, 1].map((i) => ({ relPath: `scan-${i}.jpg`, meta: { captured_at: '2025-11-10T10:00:05', ev: [0, -2][i] } }));
    expect(names(groupBrackets([clip, ...anonymous, ...a]))).toEqual([names([a])[0], [clip.relPath], ['scan-0.jpg'], ['scan-1.jpg']]);
  });

  it('groups 2,000 frames of one camera in well under a second', () => {
    const frames = Array.from({ length: 2000 }, (_, i) => {
      const stack = Math.floor(i / 3);
      return frame(clock((stack * 30 + (i % 3)) % 36000), [0, -2, 2][i % 3]);
    });
    const started = Date.now();
    const stacks = groupBrackets(frames);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stacks).toHaveLength(667);
    expect(stacks.slice(0, -1).every((s) => s.length === 3)).toBe(true);
  });

  it('takes a negative gap as 0: only frames of the same instant group', () => {
    const frames = [frame('10:00:00', 0), frame('10:00:00', -2), frame('10:00:01', 2)];
    expect(groupBrackets(frames, { gapMs: -5 }).map((s) => s.length)).toEqual([2, 1]);
  });
});

describe('bracket pattern rules', () => {
  it.each([
    [[0], -2, true],
    [[0, -2], 2, true], // centre-out
    [[0, -2], -3, true], // descending
    [[0, -2], -1, false], // neither
    [[0, -2, 2], -1, true],
    [[0, -2, 2], 1, false],
    [[0, -1, 1, -2], 2, true],
    [[0, -1, 1, -2], -3, false],
    [[-2, -1, 0], 1, true],
    [[-2, 0, 2], -1, false],
    [[0, -2, 2], 0, false], // the next bracket's base
    [[0, 0.33], 0.3, false], // the same third
  ])('%j then %d → %s', (seq, next, ok) => {
    expect(continuesSequence(seq, next, 0.1)).toBe(ok);
  });

  it('uses EV when it varies, else the shutter, else accepts', () => {
    expect(continuesBracket([{ ev: 0, exposure_time: 1 / 60 }], { ev: -2, exposure_time: 1 / 60 })).toBe(true);
    expect(continuesBracket([{ ev: 0, exposure_time: 1 / 60 }], { ev: 0, exposure_time: 1 / 250 })).toBe(true);
    expect(continuesBracket([{ ev: 0, exposure_time: 1 / 60 }], { ev: 0, exposure_time: 1 / 64 })).toBe(false);
    expect(continuesBracket([{ ev: 0 }], { ev: 0 })).toBe(true);
  });
});

describe('frameTimeMs and compareNatural', () => {
  it('adds captured_subsec_ms unless captured_at has its own fraction', () => {
    const t = captureMs('2025-11-10T10:00:00')!;
    expect(frameTimeMs({ captured_at: '2025-11-10T10:00:00', captured_subsec_ms: 540 })).toBe(t + 540);
    expect(frameTimeMs({ captured_at: '2025-11-10T10:00:00.25', captured_subsec_ms: 540 })).toBe(t + 250);
    expect(frameTimeMs({ captured_subsec_ms: 540 })).toBeUndefined();
  });
  it('compares digit runs as numbers', () => {
    expect(['IMG_1000.JPG', 'IMG_999.JPG', 'IMG_0998.JPG', 'a', 'IMG_999.CR3'].sort(compareNatural)).toEqual(['IMG_0998.JPG', 'IMG_999.CR3', 'IMG_999.JPG', 'IMG_1000.JPG', 'a']);
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
