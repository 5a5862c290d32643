/**
 * Which image a file's previews are made from (SPEC v2 "Previews"), by type:
 * - JPEG, PNG: the file itself (JPEG: its EXIF orientation, neutralised in our copy, applied explicitly);
 * - HEIC/HEIF: the file itself when the Images binding decodes it (Cloudflare Images does), else the
 *   WebAssembly libheif decode, cut to ≤ 1200 px and handed on as PNG (upright: libheif applies irot/imir);
 * - RAW (cr2, cr3, nef, arw, dng, raf, rw2, orf): the largest JPEG the camera embedded (raw-preview.ts);
 * - video and anything else: none (the file ends `ready` without previews); so does a HEIF whose image
 *   item's data lies outside the (whole) file — metadata only, no usable image.
 * Returns null for "no usable image"; throws PermanentProcessingError for an image that cannot be decoded.
 */
import { extensionOf } from '../../contract/media.js';
import { PermanentProcessingError } from './errors.js';
import { neutraliseOrientation } from './jpeg.js';
import { PREVIEW_LONGEST } from './preview-sizes.js';
import { downscale, encodePng } from './raster.js';
import { embeddedPreview } from './raw-preview.js';

export interface PreviewSource {
  /** Image bytes the Images binding decodes (JPEG or PNG, or HEIC where the binding can). */
  bytes: Uint8Array;
  /** EXIF orientation (1–8) still to apply; 1 = upright. */
  orientation: number;
  /** Where it came from: "image", "heif-binding", "heif-wasm", "raw-embedded". */
  via: 'image' | 'heif-binding' | 'heif-wasm' | 'raw-embedded';
}

export type FileKind = 'jpeg' | 'png' | 'heif' | 'raw' | 'none';

const RAW_EXT = new Set(['cr2', 'cr3', 'nef', 'arw', 'dng', 'raf', 'rw2', 'orf']);

export function fileKind(mime: string, filename: string): FileKind {
  const ext = extensionOf(filename);
  if (mime === 'image/jpeg' || ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  if (mime === 'image/png' || ext === 'png') return 'png';
  if (mime === 'image/heic' || mime === 'image/heif' || ext === 'heic' || ext === 'heif') return 'heif';
  if (RAW_EXT.has(ext)) return 'raw';
  return 'none';
}

/** JPEG bytes with their EXIF orientation neutralised in a copy (the original bytes stay untouched). */
function jpegSource(jpeg: Uint8Array, orientation: number | null, via: PreviewSource['via']): PreviewSource {
  const copy = jpeg.slice();
  const own = neutraliseOrientation(copy);
  return { bytes: copy, orientation: orientation ?? own, via };
}

/**
 * The preview source of a file. `bindingDecodes(bytes)` asks the Images binding whether it can read the
 * bytes (its `info`), so HEIC goes through the binding wherever the binding has a HEIC decoder.
 */
export async function previewSource(
  kind: FileKind,
  filename: string,
  original: Uint8Array,
  bindingDecodes: (b: Uint8Array) => Promise<boolean>,
): Promise<PreviewSource | null> {
  switch (kind) {
    case 'jpeg':
      return jpegSource(original, null, 'image');
    case 'png':
      return { bytes: original, orientation: 1, via: 'image' };
    case 'raw': {
      const p = embeddedPreview(original, extensionOf(filename));
      return p ? jpegSource(p.jpeg, p.orientation, 'raw-embedded') : null;
    }
    case 'heif': {
      if (await bindingDecodes(original)) return { bytes: original, orientation: 1, via: 'heif-binding' };
      // Loaded on demand: the decoder imports libheif's .wasm module, which only the Worker bundle provides.
      const { decodeHeif, HeifDecodeError } = await import('./heif-decoder.js');
      let rgba: Awaited<ReturnType<typeof decodeHeif>>;
      try {
        rgba = await decodeHeif(original);
      } catch (e) {
        // A whole file (the CLI uploads no truncated ISO-BMFF) whose image item points past its end
        // carries metadata only (e.g. ExifTool's sample): no usable image, so no preview.
        if (e instanceof HeifDecodeError && /end of file/i.test(e.message)) return null;
        if (e instanceof HeifDecodeError) throw new PermanentProcessingError('DECODE_FAILED', `HEIF: ${e.message}`);
        throw e;
      }
      const png = await encodePng(downscale(rgba, PREVIEW_LONGEST.original));
      return { bytes: png, orientation: 1, via: 'heif-wasm' };
    }
    default:
      return null;
  }
}
