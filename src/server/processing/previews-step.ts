/**
 * The `previews` processing step (SPEC v2 "Previews"): from the file's preview source (preview-source.ts)
 * the Images binding makes `original` (≤ 1200 px, upright), and from that `large`, `medium`, `small`;
 * each is written to `previews/<file_id>/<size>.jpg` with its pixel size as metadata. Files without a
 * usable image get none (and still end `ready`). Sizes the source is too small for reuse the bytes of the
 * next larger one (never enlarged).
 */
import { PermanentProcessingError } from './errors.js';
import { canDecode, imageInfo, resizeToJpeg, type Jpeg } from './images.js';
import { isJpegAt, jpegFrame } from './jpeg.js';
import { writePreview } from './object-io.js';
import { fileKind, previewSource } from './preview-source.js';
import { PREVIEW_LONGEST, previewKey, type PreviewSize } from './preview-sizes.js';
import type { ProcessingContext, ProcessingStep } from './step.js';

const DERIVED: readonly PreviewSize[] = ['large', 'medium', 'small'];

/**
 * Pixel size from the header of a JPEG (SOF) or PNG (IHDR) — no need to send the whole image to the
 * binding just for its size (a 25 MB JPEG once less over the wire); null for other formats.
 */
function headerSize(b: Uint8Array): { width: number; height: number } | null {
  if (isJpegAt(b)) {
    const f = jpegFrame(b);
    return f && f.width > 0 && f.height > 0 ? { width: f.width, height: f.height } : null;
  }
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length >= 24 && png.every((v, i) => b[i] === v) && String.fromCharCode(b[12], b[13], b[14], b[15]) === 'IHDR') {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const width = dv.getUint32(16);
    const height = dv.getUint32(20);
    return width > 0 && height > 0 ? { width, height } : null;
  }
  return null;
}

export const previewsStep: ProcessingStep = {
  name: 'previews',
  async run(ctx: ProcessingContext) {
    const { env, file } = ctx;
    const kind = fileKind(file.mime, file.filename);
    if (kind === 'none') return undefined;
    const original = await ctx.original();
    const src = await previewSource(kind, file.filename, original, (b) => canDecode(env, b));
    if (!src) return undefined;
    const info = headerSize(src.bytes) ?? (await imageInfo(env, src.bytes));
    const upright = src.orientation >= 5 ? { width: info.height, height: info.width } : info;
    const landscape = upright.width >= upright.height;
    const srcLongest = Math.max(upright.width, upright.height);
    if (srcLongest < 1) throw new PermanentProcessingError('DECODE_FAILED', 'image has no pixels');

    let prev: Jpeg = await resizeToJpeg(env, src.bytes, src.orientation, Math.min(PREVIEW_LONGEST.original, srcLongest), landscape);
    await writePreview(env, previewKey(file.id, 'original'), prev.bytes, prev.width, prev.height);
    const made: string[] = ['original'];
    for (const size of DERIVED) {
      const longest = Math.min(PREVIEW_LONGEST[size], Math.max(prev.width, prev.height));
      if (longest < Math.max(prev.width, prev.height)) prev = await resizeToJpeg(env, prev.bytes, 1, longest, landscape);
      await writePreview(env, previewKey(file.id, size), prev.bytes, prev.width, prev.height);
      made.push(size);
    }
    ctx.previews.push(...['small', 'medium', 'large', 'original'].filter((s) => made.includes(s)));
    return undefined;
  },
};
