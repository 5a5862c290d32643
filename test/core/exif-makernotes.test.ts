/**
 * Canon maker-note ISO (src/core/exif/makernotes/canon.ts via readExif) on synthetic JPEGs whose EXIF holds a
 * Canon maker-note IFD, in both byte orders, and the Pentax MOV TAGS table on synthetic bytes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExif } from '../../src/core/exif/exif.js';
import { cameraIsoValue, isoFromShotInfo } from '../../src/core/exif/makernotes/canon.js';
import { parsePentaxTags } from '../../src/core/exif/makernotes/pentax-mov.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';

/** Canon maker-note tables to write: CameraSettings (tag 1) and ShotInfo (tag 4), int16 values. */
interface CanonNote {
  settings?: number[];
  shot?: number[];
  /** Point CameraSettings far outside the block (a damaged maker note). */
  damaged?: boolean;
}

/**
 * A TIFF block: IFD0 (Make, Exif pointer) → Exif IFD (ExposureTime 1/500, optional ISO, MakerNote) →
 * Canon maker-note IFD (offsets from the TIFF header, as Canon writes them).
 */
function tiff(le: boolean, make: string, exif: { iso?: number; note: CanonNote }): Buffer {
  const buf = Buffer.alloc(4096);
  const u16 = (at: number, n: number) => (le ? buf.writeUInt16LE(n & 0xffff, at) : buf.writeUInt16BE(n & 0xffff, at));
  const u32 = (at: number, n: number) => (le ? buf.writeUInt32LE(n, at) : buf.writeUInt32BE(n, at));
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    u16(at, tag);
    u16(at + 2, type);
    u32(at + 4, count);
    if (type === 3 && count === 1) u16(at + 8, value);
    else u32(at + 8, value);
  };
  buf.write(le ? 'II' : 'MM', 0, 'latin1');
  u16(2, 42);
  u32(4, 8);
  // IFD0 at 8: Make, ExifIFD pointer; Make text at 38
  u16(8, 2);
  const makeAt = 38;
  buf.write(`${make}\0`, makeAt, 'latin1');
  const exifAt = makeAt + make.length + 1 + ((make.length + 1) % 2);
  entry(10, 0x010f, 2, make.length + 1, makeAt);
  entry(22, 0x8769, 4, 1, exifAt);
  // Exif IFD: ExposureTime, ISO?, MakerNote
  const n = exif.iso === undefined ? 2 : 3;
  u16(exifAt, n);
  const exposureAt = exifAt + 2 + n * 12 + 4;
  const noteAt = exposureAt + 8;
  let e = exifAt + 2;
  entry(e, 0x829a, 5, 1, exposureAt);
  e += 12;
  if (exif.iso !== undefined) {
    entry(e, 0x8827, 3, 1, exif.iso);
    e += 12;
  }
  u32(exposureAt, 1);
  u32(exposureAt + 4, 500);
  // Maker-note IFD, then its arrays
  const tables = [
    [0x0001, exif.note.settings],
    [0x0004, exif.note.shot],
  ].filter((t): t is [number, number[]] => t[1] !== undefined);
  u16(noteAt, tables.length);
  let data = noteAt + 2 + tables.length * 12 + 4;
  tables.forEach(([tag, values], i) => {
    const far = exif.note.damaged && tag === 0x0001;
    entry(noteAt + 2 + i * 12, tag, 3, far ? 0x100000 : values.length, far ? 0x7ffffff0 : data);
    values.forEach((v, j) => u16(data + j * 2, v));
    data += values.length * 2;
  });
  entry(e, 0x927c, 7, data - noteAt, noteAt);
  return buf.subarray(0, data);
}

/** A decodable JPEG with `tiffBlock` as its EXIF APP1 segment. */
function jpegWith(tiffBlock: Buffer): Buffer {
  const base = makeJpeg({ width: 16, height: 16 });
  const header = Buffer.alloc(10);
  header.writeUInt16BE(0xffe1, 0);
  header.writeUInt16BE(tiffBlock.length + 8, 2);
  header.write('Exif\0\0', 4, 'latin1');
  return Buffer.concat([base.subarray(0, 2), header, tiffBlock, base.subarray(2)]);
}

/** CameraSettings values: int16s, index 0 = byte length, index 16 = CameraISO. */
function settings(iso: number): number[] {
  const values = Array.from({ length: 40 }, () => 0);
  values[0] = 80;
  values[16] = iso;
  return values;
}

/** ShotInfo values: index 1 AutoISO, index 2 BaseISO. */
function shot(auto: number, base: number): number[] {
  const values = Array.from({ length: 27 }, () => 0);
  values[0] = 54;
  values[1] = auto;
  values[2] = base;
  return values;
}

describe('Canon maker-note ISO through readExif', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'piximmo-makernote-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function isoOf(name: string, bytes: Buffer): Promise<number | undefined> {
    await writeFile(path.join(dir, name), bytes);
    const res = await readExif(path.join(dir, name));
    expect(res.warning).toBeUndefined();
    expect(res.meta.shutter).toBe('1/500');
    return res.meta.iso;
  }

  it.each([true, false])('reads the CameraISO code (17 = ISO 100), little-endian %s', async (le) => {
    expect(await isoOf(`code-${le}.jpg`, jpegWith(tiff(le, 'Canon', { note: { settings: settings(17), shot: shot(0, 160) } })))).toBe(100);
  });

  it('reads a literal CameraISO (0x4000 | 160 → 160)', async () => {
    expect(await isoOf('literal.jpg', jpegWith(tiff(true, 'Canon', { note: { settings: settings(0x4000 | 160) } })))).toBe(160);
  });

  it('derives an Auto ISO from ShotInfo: BaseISO × AutoISO / 100 (base 160 → 100, auto 32 → 200 % → ISO 200)', async () => {
    expect(await isoOf('auto.jpg', jpegWith(tiff(true, 'Canon', { note: { settings: settings(15), shot: shot(32, 160) } })))).toBe(200);
  });

  it('keeps the EXIF ISO tag when there is one', async () => {
    expect(await isoOf('exif-wins.jpg', jpegWith(tiff(true, 'Canon', { iso: 400, note: { settings: settings(17) } })))).toBe(400);
  });

  it('reads Canon maker notes only for Canon cameras', async () => {
    expect(await isoOf('nikon.jpg', jpegWith(tiff(true, 'NIKON CORPORATION', { note: { settings: settings(17) } })))).toBeUndefined();
  });

  it('gives no ISO, and no warning, for absent or damaged maker notes', async () => {
    expect(await isoOf('none.jpg', jpegWith(tiff(true, 'Canon', { note: {} })))).toBeUndefined();
    expect(await isoOf('broken.jpg', jpegWith(tiff(true, 'Canon', { note: { settings: settings(17), damaged: true } })))).toBeUndefined();
  });
});

describe('Canon ISO rules (ExifTool Canon.pm)', () => {
  it.each([
    [16, 50],
    [17, 100],
    [18, 200],
    [19, 400],
    [20, 800],
    [0x4000 | 3200, 3200],
    [15, undefined],
    [14, undefined],
    [0, undefined],
    [0x7fff, undefined],
    [undefined, undefined],
  ])('CameraISO %s → %s', (raw, iso) => {
    expect(cameraIsoValue(raw)).toBe(iso);
  });

  it('BaseISO × AutoISO / 100 from the raw ShotInfo values', () => {
    expect(isoFromShotInfo(160, 0)).toBeCloseTo(100, 9);
    expect(isoFromShotInfo(192, 0)).toBeCloseTo(200, 9);
    expect(isoFromShotInfo(160, -32)).toBeCloseTo(50, 9);
    expect(isoFromShotInfo(0, 0)).toBeUndefined();
    expect(isoFromShotInfo(160, undefined)).toBeUndefined();
  });
});

describe('Pentax MOV TAGS table (ExifTool Pentax::MOV)', () => {
  function tags(fill: (b: Buffer) => void): Buffer {
    const b = Buffer.alloc(0xb1);
    b.write('PENTAX DIGITAL CAMERA\0', 0, 'latin1');
    fill(b);
    return b;
  }

  it('reads exposure (10 / value s), f-number, EV, focal and ISO, little-endian', () => {
    const data = tags((b) => {
      b.writeUInt32LE(250, 0x26);
      b.writeUInt32LE(28, 0x2a);
      b.writeUInt32LE(10, 0x2e);
      b.writeInt32LE(-7, 0x32);
      b.writeInt32LE(10, 0x36);
      b.writeUInt32LE(71, 0x48);
      b.writeUInt32LE(10, 0x4c);
      b.writeUInt16LE(200, 0xaf);
    });
    expect(parsePentaxTags(data)).toEqual({ make: 'PENTAX DIGITAL CAMERA', exposure_time: 0.04, aperture: 2.8, ev: -0.7, focal: 7.1, iso: 200 });
  });

  it('leaves out zero values and zero denominators; ignores other makers and short data', () => {
    expect(parsePentaxTags(tags(() => undefined))).toEqual({ make: 'PENTAX DIGITAL CAMERA' });
    expect(parsePentaxTags(Buffer.from('NIKON DIGITAL CAMERA\0\0\0\0'))).toEqual({});
    expect(parsePentaxTags(Buffer.from('PENTAX DIGITAL CAMERA\0'))).toEqual({ make: 'PENTAX DIGITAL CAMERA' });
  });
});
