/**
 * SPEC v2 "Previews": RAW from the JPEG the camera embedded (src/server/processing/raw-preview.ts), on
 * synthetic files laid out as each format does (the shared samples are stripped: only the RAF and the RW2
 * still carry an 8×8 JPEG, checked too). The largest decodable JPEG wins; lossless-JPEG raw strips (SOF3)
 * are not previews; orientation comes from IFD0 (TIFF RAW) or CMT1 (CR3).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { exifOrientation, jpegEnd, jpegFrame, neutraliseOrientation } from '../../src/server/processing/jpeg.js';
import { embeddedPreview } from '../../src/server/processing/raw-preview.js';
import { samplesDir } from '../helpers/cli.js';
import { isoBox, tiff } from '../helpers/raw-fixtures.js';

let thumb: Buffer; // 160×120
let big: Buffer; // 640×480
let lossless: Buffer; // 1000×800 frame header, SOF3

const jpeg = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#336699' } }).jpeg().toBuffer();

beforeAll(async () => {
  thumb = await jpeg(160, 120);
  big = await jpeg(640, 480);
  lossless = Buffer.from(await jpeg(1000, 800));
  const sof = lossless.indexOf(Buffer.from([0xff, 0xc0]));
  lossless[sof + 1] = 0xc3;
});

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

describe('embedded RAW previews', () => {
  it('CR2-like: IFD0 strip (compression 6) and IFD1 JPEGInterchangeFormat; the larger wins, IFD0 orientation', () => {
    // offsets of the JPEGs are only known after layout: place them as trailer blobs first, then point at them.
    const probe = tiff(true, 42, [[[0x0103, 3, 1, 6], [0x0111, 4, 1, 0], [0x0112, 3, 1, 6], [0x0117, 4, 1, 0]], [[0x0201, 4, 1, 0], [0x0202, 4, 1, 0]]], [big, thumb, lossless]);
    const [bigAt, thumbAt] = probe.offsets;
    const { file } = tiff(true, 42, [
      [[0x0103, 3, 1, 6], [0x0111, 4, 1, bigAt], [0x0112, 3, 1, 6], [0x0117, 4, 1, big.length]],
      [[0x0201, 4, 1, thumbAt], [0x0202, 4, 1, thumb.length]],
    ], [big, thumb, lossless]);
    const p = embeddedPreview(u8(file), 'cr2');
    expect(p && { w: p.width, h: p.height, o: p.orientation, n: p.jpeg.length }).toEqual({ w: 640, h: 480, o: 6, n: big.length });
  });

  it('skips a lossless-JPEG raw strip (SOF3) even when it is the largest', () => {
    const probe = tiff(true, 42, [[[0x0103, 3, 1, 6], [0x0111, 4, 1, 0], [0x0117, 4, 1, 0]], [[0x0201, 4, 1, 0], [0x0202, 4, 1, 0]]], [lossless, thumb]);
    const [rawAt, thumbAt] = probe.offsets;
    const { file } = tiff(true, 42, [
      [[0x0103, 3, 1, 6], [0x0111, 4, 1, rawAt], [0x0117, 4, 1, lossless.length]],
      [[0x0201, 4, 1, thumbAt], [0x0202, 4, 1, thumb.length]],
    ], [lossless, thumb]);
    const p = embeddedPreview(u8(file), 'cr2');
    expect(p && [p.width, p.height]).toEqual([160, 120]);
  });

  it('NEF-like (big-endian): the preview in a SubIFD', () => {
    const probe = tiff(false, 42, [[[0x014a, 4, 1, 0], [0x0112, 3, 1, 8]], [[0x0201, 4, 1, 0], [0x0202, 4, 1, 0]]], [big], false);
    const [bigAt] = probe.offsets;
    // IFD0 at 8 (2 entries → 30 bytes) → the SubIFD at 38.
    const { file } = tiff(false, 42, [[[0x014a, 4, 1, 38], [0x0112, 3, 1, 8]], [[0x0201, 4, 1, bigAt], [0x0202, 4, 1, big.length]]], [big], false);
    const p = embeddedPreview(u8(file), 'nef');
    expect(p && { w: p.width, h: p.height, o: p.orientation }).toEqual({ w: 640, h: 480, o: 8 });
  });

  it('RW2-like: JpgFromRaw (0x002E) in IFD0 of an "IIU" file', () => {
    const { file } = tiff(true, 0x55, [[[0x002e, 7, big.length, big]]]);
    const p = embeddedPreview(u8(file), 'rw2');
    expect(p && [p.width, p.height]).toEqual([640, 480]);
  });

  it('RAF: the JPEG at the header offset (bytes 84/88, big-endian)', () => {
    const head = Buffer.alloc(100);
    head.write('FUJIFILMCCD-RAW 0201FF383501', 0, 'latin1');
    head.writeUInt32BE(100, 84);
    head.writeUInt32BE(big.length, 88);
    const p = embeddedPreview(u8(Buffer.concat([head, big])), 'raf');
    expect(p && [p.width, p.height, p.orientation]).toEqual([640, 480, 1]);
  });

  it('CR3-like: PRVW beats THMB; orientation from CMT1', () => {
    const box = isoBox;
    const cmt1 = tiff(true, 42, [[[0x0112, 3, 1, 6]]]).file;
    const thmb = box('THMB', Buffer.alloc(16), thumb);
    const prvw = box('PRVW', Buffer.alloc(16), big);
    const file = Buffer.concat([
      box('ftyp', Buffer.from('crx \x00\x00\x00\x01crx isom', 'latin1')),
      box('moov', box('uuid', Buffer.alloc(16), box('CMT1', cmt1), thmb)),
      box('uuid', Buffer.alloc(16), Buffer.alloc(8), prvw),
      box('mdat', Buffer.alloc(64)),
    ]);
    const p = embeddedPreview(u8(file), 'cr3');
    expect(p && { w: p.width, h: p.height, o: p.orientation, n: p.jpeg.length }).toEqual({ w: 640, h: 480, o: 6, n: big.length });
  });

  it('returns null for a file without an embedded JPEG, and never throws on garbage', () => {
    expect(embeddedPreview(u8(tiff(true, 42, [[[0x0112, 3, 1, 1]]]).file), 'dng')).toBeNull();
    for (const ext of ['cr2', 'cr3', 'nef', 'raf', 'rw2', 'orf', 'arw', 'dng']) {
      expect(embeddedPreview(new Uint8Array(2000).map((_, i) => (i * 7919) & 0xff), ext)).toBeNull();
      expect(embeddedPreview(new Uint8Array(0), ext)).toBeNull();
    }
  });

  it.skipIf(!existsSync(path.join(samplesDir, 'raw')))('the stripped samples: RAF and RW2 keep an 8×8 JPEG, the others none', () => {
    const got = Object.fromEntries(
      ['exiftool-CanonRaw.cr2', 'exiftool-CanonRaw.cr3', 'exiftool-DNG.dng', 'exiftool-FujiFilm.raf', 'exiftool-Nikon.nef', 'exiftool-Panasonic.rw2'].map((f) => {
        const p = embeddedPreview(u8(readFileSync(path.join(samplesDir, 'raw', f))), f.split('.').pop()!);
        return [f, p ? `${p.width}x${p.height}` : null];
      }),
    );
    expect(got).toEqual({
      'exiftool-CanonRaw.cr2': null,
      'exiftool-CanonRaw.cr3': null,
      'exiftool-DNG.dng': null,
      'exiftool-FujiFilm.raf': '8x8',
      'exiftool-Nikon.nef': null,
      'exiftool-Panasonic.rw2': '8x8',
    });
  });
});

describe('JPEG structure helpers', () => {
  it('frame size, end offset, orientation read and neutralised in place', async () => {
    const j = Buffer.from(await sharp({ create: { width: 30, height: 20, channels: 3, background: '#fff' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    expect(jpegFrame(u8(j))).toEqual({ width: 30, height: 20, sof: 0 });
    expect(jpegEnd(u8(Buffer.concat([j, Buffer.alloc(10)])), 0)).toBe(j.length);
    const b = u8(Buffer.from(j));
    expect(exifOrientation(b)).toBe(6);
    expect(neutraliseOrientation(b)).toBe(6);
    expect(exifOrientation(b)).toBe(1);
    expect((await sharp(Buffer.from(b)).metadata()).orientation).toBe(1);
  });
});
