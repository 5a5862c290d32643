import { chmod, link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TYPES, RAW_TYPES } from '../../src/contract/media.js';
import { flagAdding, parseTypes, scanShoot } from '../../src/core/plan/scan.js';

describe('parseTypes', () => {
  it('gives the default list for undefined', () => {
    expect(parseTypes(undefined)).toEqual([...DEFAULT_TYPES]);
  });
  it('reads a comma list, case-insensitive, leading dots and spaces allowed', () => {
    expect(parseTypes('JPG, .png,heic')).toEqual(['jpg', 'jpeg', 'png', 'heic']);
    expect(parseTypes('png,png')).toEqual(['png']);
  });
  it('brings the twin spelling of jpg/jpeg and tif/tiff', () => {
    expect(parseTypes('jpeg')).toEqual(['jpeg', 'jpg']);
    expect(parseTypes('tif')).toEqual(['tif', 'tiff']);
  });
  it('expands raw to the RAW list', () => {
    expect(parseTypes('raw')).toEqual([...RAW_TYPES]);
    expect(parseTypes('jpg,RAW')).toEqual(['jpg', 'jpeg', ...RAW_TYPES]);
  });
  it('adds +types to the default list', () => {
    expect(parseTypes('+cr3')).toEqual([...DEFAULT_TYPES]); // RAW is in the default list since v2
    expect(parseTypes('+tif')).toEqual([...DEFAULT_TYPES, 'tif', 'tiff']);
    expect(parseTypes('+cr3,+raw')).toEqual([...new Set([...DEFAULT_TYPES, 'cr3', ...RAW_TYPES])]);
  });
  it('throws naming an unknown type', () => {
    expect(() => parseTypes('jpg,xyz')).toThrow(/"xyz"/);
    expect(() => parseTypes('+psd')).toThrow(/"\+psd"/);
  });
  it('throws for an empty list and for mixing +types with plain ones', () => {
    expect(() => parseTypes('')).toThrow(/empty/);
    expect(() => parseTypes(' , ')).toThrow(/empty/);
    expect(() => parseTypes('jpg,+cr3')).toThrow(/mixes/);
  });
});

describe('scanShoot', () => {
  let dir: string;
  const isRoot = process.getuid?.() === 0;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'piximmo-scan-'));
    const files: Record<string, string> = {
      'Wohnzimmer/g1/IMG_0001.JPG': 'jpeg-1',
      'Wohnzimmer/g1/IMG_0002.jpeg': 'jpeg-2',
      'Ku\u0308che/IMG_0003.HEIC': 'heic', // NFD on disk, as macOS writes it
      'IMG_0004.dng': 'dng',
      'Bad/IMG_0005.CR3': 'cr3',
      'Bad/IMG_0006.psd': 'psd',
      'Bad/scan.tif': 'tiff',
      'notes.txt': 'notes',
      'README': 'no extension',
      'Bad/empty.jpg': '',
      'Bad/locked.jpg': 'locked',
      // never scanned: hidden files and folders, OS litter, the CLI's own state
      '.DS_Store': 'x',
      'Wohnzimmer/.DS_Store': 'x',
      'Wohnzimmer/g1/._IMG_0001.JPG': 'x',
      'Thumbs.db': 'x',
      'Bad/thumbs.db': 'x',
      'desktop.ini': 'x',
      '.Spotlight-V100/Store-V2/a.jpg': 'x',
      '.Trashes/501/old.jpg': 'x',
      '@eaDir/IMG_0001.JPG/SYNOFILE_THUMB_M.jpg': 'x',
      'Wohnzimmer/@eaDir/x.jpg': 'x',
      '.piximmo/manifest.json': 'x',
      '.piximmo-manifest.json': 'x',
      '.hidden.jpg': 'x',
    };
    for (const [rel, content] of Object.entries(files)) {
      const abs = path.join(dir, rel);
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, content);
    }
    await chmod(path.join(dir, 'Bad/locked.jpg'), 0o000);
    const outside = await mkdtemp(path.join(os.tmpdir(), 'piximmo-outside-'));
    await writeFile(path.join(outside, 'linked.jpg'), 'linked');
    await symlink(path.join(outside, 'linked.jpg'), path.join(dir, 'Bad/link-to-file.jpg'));
    await symlink('../../Wohnzimmer', path.join(dir, 'Bad/loop-a')); // Bad/loop-a → Wohnzimmer (dup files)
    await symlink('..', path.join(dir, 'Bad/loop-up')); // loop back to the root
    await symlink('..', path.join(dir, 'Wohnzimmer/loop-up')); // a second loop: branches multiply
    await symlink(path.join(dir, 'nowhere.jpg'), path.join(dir, 'Bad/dangling.jpg'));
    await symlink('/etc', path.join(dir, 'Bad/etc')); // a folder outside: never walked
    await symlink('../IMG_0004.dng', path.join(dir, 'Bad/inside-link.dng')); // a second path to a file inside
    await mkdir(path.join(dir, 'Links'));
    for (const n of [1, 2, 3]) await link(path.join(dir, 'Wohnzimmer/g1/IMG_0002.jpeg'), path.join(dir, `Links/hard-${n}.jpeg`));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists allowed files with posix NFC relPaths, sizes and mtimes, sorted', async () => {
    const res = await scanShoot(dir, { types: parseTypes(undefined) });
    const rels = res.files.map((f) => f.relPath);
    // RAW is in the default list (SPEC v2); empty and unreadable files are listed (they fail at upload, exit 1).
    // Of four hard links the one with the fewest segments is kept (then the first by code units).
    const expected = ['IMG_0004.dng', 'Küche/IMG_0003.HEIC', 'Wohnzimmer/g1/IMG_0001.JPG', 'Links/hard-1.jpeg', 'Bad/IMG_0005.CR3', 'Bad/empty.jpg', 'Bad/locked.jpg'];
    expect(rels).toEqual([...expected].sort((a, b) => (a < b ? -1 : 1)));
    const heic = res.files.find((f) => f.ext === 'heic')!;
    expect(heic.relPath).toBe('K\u00fcche/IMG_0003.HEIC');
    expect(heic.absPath).toBe(path.join(res.root, 'Ku\u0308che/IMG_0003.HEIC'));
    expect(heic.name).toBe('IMG_0003.HEIC');
    expect(heic.bytes).toBe(4);
    expect(heic.mtimeMs).toBeGreaterThan(0);
    expect(res.files.find((f) => f.name === 'IMG_0001.JPG')!.ext).toBe('jpg');
    expect(res.files.find((f) => f.name === 'empty.jpg')!.problem).toBe('empty');
    expect(res.files.find((f) => f.name === 'locked.jpg')!.problem).toBe(isRoot ? undefined : 'unreadable');
  });

  it('skips with reasons: type not allowed, no extension, symlink outside, same file', async () => {
    const res = await scanShoot(dir, { types: parseTypes(undefined) });
    const reasons = Object.fromEntries(res.skipped.map((s) => [s.relPath, s.reason]));
    expect(reasons).toEqual({
      'Bad/scan.tif': 'type-not-allowed',
      'Bad/IMG_0006.psd': 'type-not-allowed',
      'notes.txt': 'type-not-allowed',
      README: 'no-extension',
      'Bad/link-to-file.jpg': 'symlink-outside',
      'Bad/etc': 'symlink-outside',
      'Bad/inside-link.dng': 'same-file',
      'Wohnzimmer/g1/IMG_0002.jpeg': 'same-file',
      'Links/hard-2.jpeg': 'same-file',
      'Links/hard-3.jpeg': 'same-file',
    });
    // What the user is told about a type (render/plain.ts, in de and en): the flag that adds it, or none.
    expect(flagAdding('tif', parseTypes(undefined))).toBe('+tif');
    expect(flagAdding('psd', parseTypes(undefined))).toBeNull();
    expect(res.skipped.find((s) => s.relPath === 'Links/hard-2.jpeg')!.sameAs).toBe('Links/hard-1.jpeg');
    expect(res.skipped.find((s) => s.relPath === 'Bad/inside-link.dng')!.sameAs).toBe('IMG_0004.dng');
  });

  it('never reads through a symlink to a folder outside (a link to /etc lists nothing of /etc)', async () => {
    const res = await scanShoot(dir, { types: parseTypes('+tif') });
    const all = [...res.files.map((f) => f.relPath), ...res.skipped.map((s) => s.relPath)];
    expect(all.filter((p) => p.startsWith('Bad/etc'))).toEqual(['Bad/etc']);
  });

  it('never lists hidden files, OS litter or CLI state, neither as files nor as skipped', async () => {
    const res = await scanShoot(dir, { types: parseTypes('+tif') });
    const all = [...res.files.map((f) => f.relPath), ...res.skipped.map((s) => s.relPath)];
    for (const p of all) {
      expect(p).not.toMatch(/(^|\/)\./);
      expect(p).not.toMatch(/thumbs\.db|desktop\.ini|@eaDir/i);
    }
    expect(res.files.map((f) => f.relPath)).toContain('Bad/IMG_0005.CR3');
  });

  it('lists a file reached twice once and does not walk folder links inside the shoot (no loops)', async () => {
    const res = await scanShoot(dir, { types: parseTypes(undefined) });
    const rels = [...res.files, ...res.skipped].map((f) => f.relPath);
    expect(rels.filter((r) => r.endsWith('IMG_0001.JPG'))).toEqual(['Wohnzimmer/g1/IMG_0001.JPG']);
    expect(rels.some((r) => r.includes('loop'))).toBe(false);
  });

  it('reports the realpath as root', async () => {
    const link = path.join(os.tmpdir(), `piximmo-link-${process.pid}`);
    await symlink(dir, link);
    try {
      const res = await scanShoot(link, { types: ['jpg'] });
      expect(res.root).toBe(await (await import('node:fs/promises')).realpath(dir));
    } finally {
      await rm(link);
    }
  });

  it('throws ENOENT for a missing folder and ENOTDIR for a file', async () => {
    await expect(scanShoot(path.join(dir, 'nope'), { types: ['jpg'] })).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(scanShoot(path.join(dir, 'notes.txt'), { types: ['jpg'] })).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
