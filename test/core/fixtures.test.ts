import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import exifr from 'exifr';
import fg from 'fast-glob';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupBrackets } from '../../src/core/plan/brackets.js';
import { readExif } from '../../src/core/exif/exif.js';
import { placeFile } from '../../src/core/plan/layout.js';
import { parseTypes, scanShoot } from '../../src/core/plan/scan.js';
import { writeDemoShoot } from '../../src/fixtures/demo.js';
import { makeJpeg, type JpegExif } from '../../src/fixtures/jpeg.js';
import { nominalExposure, writeManyFiles, writeShoot } from '../../src/fixtures/shoot.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXIF: JpegExif = {
  make: 'Canon',
  model: 'Canon EOS R5',
  serial: '032021001234',
  iso: 100,
  focal: 16,
  exposureTime: 1 / 60,
  fNumber: 8,
  dateTimeOriginal: '2025:11:10 10:15:01',
  ev: -2,
};

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'piximmo-fixtures-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('makeJpeg', () => {
  it('writes EXIF that exifr reads back with the same values', async () => {
    const tags = await exifr.parse(makeJpeg({ exif: EXIF }), { reviveValues: false });
    expect(tags).toMatchObject({
      Make: 'Canon',
      Model: 'Canon EOS R5',
      ISO: 100,
      FocalLength: 16,
      ExposureTime: 1 / 60,
      FNumber: 8,
      DateTimeOriginal: '2025:11:10 10:15:01',
      ExposureCompensation: -2,
    });
    // BodySerialNumber (0xA431), which exifr names SerialNumber
    expect(tags.SerialNumber ?? tags.BodySerialNumber).toBe('032021001234');
  });

  it('round-trips through readExif', async () => {
    const file = path.join(tmp, 'one.jpg');
    await (await import('node:fs/promises')).writeFile(file, makeJpeg({ exif: { ...EXIF, ev: 0.7, exposureTime: 0.4 } }));
    expect(await readExif(file)).toEqual({
      meta: {
        make: 'Canon',
        model: 'Canon EOS R5',
        serial: '032021001234',
        iso: 100,
        focal: 16,
        exposure_time: 0.4,
        shutter: '1/2.5',
        aperture: 8,
        captured_at: '2025-11-10T10:15:01',
        ev: 0.7,
      },
    });
  });

  it('is a decodable JPEG of the asked size', () => {
    const decoded = jpeg.decode(makeJpeg({ width: 64, height: 40, exif: EXIF }));
    expect([decoded.width, decoded.height]).toEqual([64, 40]);
  });

  it('is deterministic, and the seed changes the bytes', () => {
    const a = makeJpeg({ exif: EXIF, seed: 1 });
    expect(makeJpeg({ exif: EXIF, seed: 1 }).equals(a)).toBe(true);
    expect(makeJpeg({ exif: EXIF, seed: 2 }).equals(a)).toBe(false);
  });

  it('pads to exactly padTo bytes, staying a valid JPEG with readable EXIF', async () => {
    const bare = makeJpeg({ exif: EXIF }).length;
    for (const padTo of [bare + 1, bare + 3, bare + 4, bare + 5, bare + 65_537, bare + 65_538, bare + 65_540, 3_000_000]) {
      const padded = makeJpeg({ exif: EXIF, padTo });
      expect(padded.length).toBe(padTo);
      expect(jpeg.decode(padded).width).toBe(160);
      expect((await exifr.parse(padded, { reviveValues: false })).Model).toBe('Canon EOS R5');
    }
    expect(makeJpeg({ exif: EXIF, padTo: 10 }).length).toBe(bare);
  });

  it('works without EXIF and rejects bad options', async () => {
    expect(await exifr.parse(makeJpeg())).toBeUndefined();
    expect(() => makeJpeg({ width: 0 })).toThrow(/width/);
    expect(() => makeJpeg({ exif: { dateTimeOriginal: '2025-11-10 10:00:00' } })).toThrow(/dateTimeOriginal/);
  });
});

describe('writeShoot', () => {
  it('writes rooms → stacks → brackets 1 s apart with the EVs, counters and shutters of a camera', async () => {
    const dir = path.join(tmp, 'shoot');
    const written = await writeShoot(dir, {
      rooms: [
        { folder: 'Wohnzimmer', stacks: [{ folder: 'g1' }, { folder: 'g2', evs: [0, -1, 1, -2, 2] }] },
        { folder: 'Flur', stacks: [{}] },
      ],
      extras: { '.DS_Store': 'x', 'notes.txt': 'hi' },
    });
    expect(written).toEqual([
      'Wohnzimmer/g1/IMG_0412.JPG',
      'Wohnzimmer/g1/IMG_0413.JPG',
      'Wohnzimmer/g1/IMG_0414.JPG',
      ...[415, 416, 417, 418, 419].map((n) => `Wohnzimmer/g2/IMG_0${n}.JPG`),
      'Flur/IMG_0420.JPG',
      'Flur/IMG_0421.JPG',
      'Flur/IMG_0422.JPG',
    ]);
    const metas = await Promise.all(written.map(async (rel) => (await readExif(path.join(dir, rel))).meta));
    expect(metas.slice(0, 3).map((m) => [m.captured_at, m.ev, m.shutter])).toEqual([
      ['2025-11-10T10:00:00', 0, '1/60'],
      ['2025-11-10T10:00:01', -2, '1/250'],
      ['2025-11-10T10:00:02', 2, '1/15'],
    ]);
    expect(metas[3].captured_at).toBe('2025-11-10T10:00:27'); // 25 s after the last frame of the stack before
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('hi');
    expect((await stat(path.join(dir, written[0]))).mtime.toISOString()).toBe('2025-11-10T10:00:00.000Z');
  });

  it('snaps exposure times to the camera series', () => {
    expect(nominalExposure((1 / 60) * 2 ** -2)).toBe(1 / 250);
    expect(nominalExposure((1 / 60) * 4)).toBe(1 / 15);
    expect(nominalExposure(0.33)).toBe(0.3);
  });
});

describe('writeManyFiles', () => {
  it('writes count files of exactly bytesEach bytes, all distinct, in brackets of three', async () => {
    const dir = path.join(tmp, 'many');
    const written = await writeManyFiles(dir, { count: 12, bytesEach: 200_000, folder: 'Wohnzimmer' });
    expect(written).toHaveLength(12);
    expect(written[0]).toBe('Wohnzimmer/IMG_0001.JPG');
    const hashes = new Set<string>();
    for (const rel of written) {
      const bytes = await readFile(path.join(dir, rel));
      expect(bytes.length).toBe(200_000);
      hashes.add(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(hashes.size).toBe(12);
    const frames = await Promise.all(written.map(async (relPath) => ({ relPath, meta: (await readExif(path.join(dir, relPath))).meta })));
    expect(groupBrackets(frames).map((s) => s.length)).toEqual([3, 3, 3, 3]);
    await expect(writeManyFiles(dir, { count: 1, bytesEach: 100 })).rejects.toThrow(/at least/);
  });
});

describe('fixtures/demo-shoot', () => {
  const committed = path.join(repoRoot, 'fixtures/demo-shoot');

  it('is what the generator writes, byte for byte', async () => {
    const fresh = path.join(tmp, 'demo');
    await writeDemoShoot(fresh);
    const list = async (root: string) => (await fg('**/*', { cwd: root, dot: true })).sort();
    const files = await list(fresh);
    expect(await list(committed)).toEqual(files);
    for (const rel of files) {
      expect((await readFile(path.join(committed, rel))).equals(await readFile(path.join(fresh, rel))), rel).toBe(true);
    }
  });

  it('scans, places and groups as documented in fixtures/README.md', async () => {
    const res = await scanShoot(committed, { types: parseTypes(undefined) });
    expect(res.skipped.map((s) => [s.relPath, s.reason])).toEqual([['notes.txt', 'type-not-allowed']]);
    expect(res.files).toHaveLength(39);
    const total = res.files.reduce((n, f) => n + f.bytes, 0);
    expect(total).toBeLessThan(1024 * 1024);
    const placed = res.files.map((f) => ({ ...placeFile(f.relPath), relPath: f.relPath }));
    const stacks = new Set(placed.filter((p) => p.stack_id).map((p) => `${p.room_type}/${p.stack_id}`));
    expect([...stacks].sort()).toEqual([
      'bathroom/g004',
      'bedroom/g005',
      'diningroom/g006',
      'diningroom/g007',
      'exterior/g008',
      'kitchen/g003',
      'livingroom/g001',
      'livingroom/g002',
    ]);
    const loose = await Promise.all(
      res.files.filter((f) => placeFile(f.relPath).stack_id === null).map(async (f) => ({ relPath: f.relPath, meta: (await readExif(f.absPath)).meta })),
    );
    expect(groupBrackets(loose).map((s) => [placeFile(s[0].relPath).room_type, s.length])).toEqual([
      ['office', 3],
      ['office', 3],
      ['office', 1],
      ['drone', 3],
      ['drone', 3],
    ]);
  });
});
