/**
 * src/core/plan/card-finder.ts — where cards are looked for (issue 11) and which folders count as cards
 * (a DCIM folder, in any case).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cardPlaces, listCards } from '../../src/core/plan/card-finder.js';

const dir = mkdtempSync(path.join(tmpdir(), 'piximmo-cards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cardPlaces', () => {
  it('Linux: /media/$USER, /run/media/$USER, /media; macOS: /Volumes; Windows: drive letters D: … Z:', () => {
    expect(cardPlaces(undefined, 'linux', { USER: 'anna' }).map((p) => p.dir)).toEqual(['/media/anna', '/run/media/anna', '/media']);
    expect(cardPlaces(undefined, 'darwin', {})).toEqual([{ dir: '/Volumes', kind: 'parent' }]);
    const win = cardPlaces(undefined, 'win32', {});
    expect(win[0]).toEqual({ dir: 'D:\\', kind: 'volume' });
    expect(win).toHaveLength(23);
  });
  it('--cards-root replaces them', () => {
    expect(cardPlaces('/tmp/x', 'linux', { USER: 'anna' })).toEqual([{ dir: '/tmp/x', kind: 'parent' }]);
  });
});

describe('listCards', () => {
  it('folders with a DCIM folder (any case) are cards, labelled by their name; others are not', async () => {
    mkdirSync(path.join(dir, 'EOS_DIGITAL', 'DCIM', '100CANON'), { recursive: true });
    mkdirSync(path.join(dir, 'NIKON', 'dcim'), { recursive: true });
    mkdirSync(path.join(dir, 'USB_STICK', 'Documents'), { recursive: true });
    mkdirSync(path.join(dir, 'FILE_NOT_DIR'), { recursive: true });
    writeFileSync(path.join(dir, 'FILE_NOT_DIR', 'DCIM'), 'x');
    const cards = await listCards([{ dir, kind: 'parent' }, { dir: path.join(dir, 'missing'), kind: 'parent' }]);
    expect(cards.map((c) => c.label).sort()).toEqual(['EOS_DIGITAL', 'NIKON']);
    expect(cards.find((c) => c.label === 'EOS_DIGITAL')!.root).toBe(path.join(dir, 'EOS_DIGITAL'));
  });
});
