/**
 * Which image previews are made from (src/server/processing/preview-source.ts, SPEC v2 "Previews"):
 * JPEG with its EXIF orientation taken out of a copy (the original bytes never change), PNG as is, HEIC
 * straight to the Images binding where the binding decodes it (Cloudflare Images in production; locally
 * Sharp cannot, and the e2e tests cover the WebAssembly path), RAW via the embedded JPEG, video none.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { exifOrientation } from '../../src/server/processing/jpeg.js';
import { fileKind, previewSource } from '../../src/server/processing/preview-source.js';
import { previewDimensions } from '../../src/server/processing/preview-sizes.js';
import { orientationTransform } from '../../src/server/processing/images.js';
import { cr2Like } from '../helpers/raw-fixtures.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const never = async () => expect.unreachable('the binding is not asked for this type') as never;

describe('preview source', () => {
  it('kinds by mime and extension', () => {
    expect(fileKind('image/jpeg', 'a.JPG')).toBe('jpeg');
    expect(fileKind('image/png', 'a.png')).toBe('png');
    expect(fileKind('image/heic', 'a.HEIC')).toBe('heif');
    expect(fileKind('image/x-canon-cr3', 'a.CR3')).toBe('raw');
    expect(fileKind('image/x-adobe-dng', 'a.dng')).toBe('raw');
    expect(fileKind('video/quicktime', 'a.mov')).toBe('none');
    expect(fileKind('image/tiff', 'a.tif')).toBe('none');
  });

  it('JPEG: orientation applied explicitly, neutralised in a copy — the original bytes are unchanged', async () => {
    const j = new Uint8Array(await sharp({ create: { width: 30, height: 20, channels: 3, background: '#fff' } }).jpeg().withMetadata({ orientation: 8 }).toBuffer());
    const before = sha(j);
    const src = await previewSource('jpeg', 'a.jpg', j, never);
    expect(src?.orientation).toBe(8);
    expect(exifOrientation(src!.bytes)).toBe(1);
    expect(sha(j)).toBe(before);
    expect(exifOrientation(j)).toBe(8);
  });

  it('HEIC goes to the binding as is when the binding decodes it', async () => {
    const heic = new Uint8Array([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63]);
    const src = await previewSource('heif', 'a.heic', heic, async () => true);
    expect(src).toEqual({ bytes: heic, orientation: 1, via: 'heif-binding' });
  });

  it('RAW: the embedded JPEG with the RAW orientation; video: none', async () => {
    const big = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const thumb = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const src = await previewSource('raw', 'a.cr2', new Uint8Array(cr2Like(big, thumb, 6)), never);
    expect(src?.via).toBe('raw-embedded');
    expect(src?.orientation).toBe(6);
    expect(sha(src!.bytes)).toBe(sha(big));
    expect(await previewSource('none', 'a.mov', new Uint8Array(10), never)).toBeNull();
  });

  it('sizes: longest side 200/400/800/≤1200, never enlarged, aspect kept', () => {
    expect(previewDimensions(5184, 3456, 'small')).toEqual({ width: 200, height: 133 });
    expect(previewDimensions(3024, 4032, 'medium')).toEqual({ width: 300, height: 400 });
    expect(previewDimensions(5184, 3456, 'original')).toEqual({ width: 1200, height: 800 });
    expect(previewDimensions(480, 360, 'large')).toEqual({ width: 480, height: 360 });
    expect(previewDimensions(8, 8, 'small')).toEqual({ width: 8, height: 8 });
  });

  it('EXIF orientation → rotation/flip for the binding (flip first, then rotate clockwise)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(orientationTransform)).toEqual([
      {},
      { flip: 'h' },
      { rotate: 180 },
      { flip: 'v' },
      { rotate: 270, flip: 'h' },
      { rotate: 90 },
      { rotate: 90, flip: 'h' },
      { rotate: 270 },
    ]);
  });
});
