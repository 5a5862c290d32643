/**
 * jpeg-head.ts: when the head read at the start of a file holds a JPEG's EXIF (then exifr parses that
 * buffer instead of opening the file again), and readExif gives the same metadata either way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readExif } from '../../src/core/exif/exif.js';
import { HEAD_BYTES, jpegExifInHead } from '../../src/core/exif/jpeg-head.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';

const dir = mkdtempSync(path.join(tmpdir(), 'piximmo-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const segment = (marker: number, payload: Buffer): Buffer => {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
};
const SOI = Buffer.from([0xff, 0xd8]);
const exifApp1 = segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.alloc(100)]));

describe('jpegExifInHead', () => {
  it('the whole file read, or the Exif APP1 inside the head: yes', () => {
    const f = Buffer.concat([SOI, exifApp1, segment(0xda, Buffer.alloc(10))]);
    expect(jpegExifInHead(f, f.length)).toBe(true);
    expect(jpegExifInHead(f.subarray(0, 2 + exifApp1.length), 10_000_000)).toBe(true);
  });

  it('the Exif APP1 ends past the head, or a large segment before it fills the head: no (exifr reads the file)', () => {
    const f = Buffer.concat([SOI, exifApp1]);
    expect(jpegExifInHead(f.subarray(0, 40), 10_000_000)).toBe(false);
    const icc = segment(0xe2, Buffer.alloc(60_000));
    const big = Buffer.concat([SOI, icc, icc, icc, exifApp1]);
    expect(jpegExifInHead(big.subarray(0, HEAD_BYTES), 10_000_000)).toBe(false);
  });

  it('no EXIF before the image data: yes (exifr finds none after it either); garbage between segments: no', () => {
    expect(jpegExifInHead(Buffer.concat([SOI, segment(0xe0, Buffer.alloc(14)), segment(0xda, Buffer.alloc(10))]), 10_000_000)).toBe(true);
    expect(jpegExifInHead(Buffer.concat([SOI, Buffer.from([0x12, 0x34, 0x56, 0x78, 0x9a])]), 10_000_000)).toBe(false);
  });
});

describe('readExif of a JPEG from its head', () => {
  it('small and padded JPEGs (EXIF in the head, file larger than the head) read as before', async () => {
    const exif = { make: 'Canon', model: 'EOS R5', dateTimeOriginal: '2025:11:10 09:00:00' };
    for (const padTo of [4_000, 300_000]) {
      const file = path.join(dir, `p${padTo}.jpg`);
      writeFileSync(file, makeJpeg({ seed: padTo, padTo, exif }));
      const { meta, warning } = await readExif(file);
      expect(warning).toBeUndefined();
      expect(meta).toMatchObject({ make: 'Canon', model: 'EOS R5', captured_at: '2025-11-10T09:00:00' });
    }
  });
});
