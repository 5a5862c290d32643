/**
 * The Workers Images binding (`IMAGES`; Miniflare runs it on Sharp) as previews need it:
 * `canDecode` (its `info`) and `resizeToJpeg` (rotate for the EXIF orientation, then scale so the longest
 * side is `longest` px, JPEG out). Only width or height is given — the longest side's — so neither
 * Cloudflare (fit) nor Miniflare (Sharp "contain") pads or crops: the aspect is kept.
 *
 * An answer without error that holds no JPEG (Miniflare: Sharp failing mid-stream on corrupt scan data)
 * is DECODE_FAILED too.
 * Errors: the binding's ImagesError codes 9412 (not an image), 9520 (unsupported format) and 9523 /
 * 9518 … (bad input) mean this input will never decode → PermanentProcessingError DECODE_FAILED; no
 * binding, or anything else (network, 5xx) → TransientProcessingError IMAGES_UNAVAILABLE (retried).
 */
import { PermanentProcessingError, TransientProcessingError } from './errors.js';
import { jpegFrame } from './jpeg.js';

/**
 * Rotation (degrees clockwise) and flip that make an image with EXIF orientation `o` upright, for one
 * binding transform, where the flip is applied before the rotation (Cloudflare: "flip=h,rotate=90 … flipped
 * horizontally, then rotated"): 5 (transpose) = flip h + 270, 7 (transverse) = flip h + 90. Miniflare's
 * local binding applies `rotate` but ignores `flip`, so the mirrored orientations 2, 4, 5, 7 (rare in
 * camera files) come out mirrored locally.
 */
export function orientationTransform(o: number): { rotate?: 90 | 180 | 270; flip?: 'h' | 'v' } {
  switch (o) {
    case 2:
      return { flip: 'h' };
    case 3:
      return { rotate: 180 };
    case 4:
      return { flip: 'v' };
    case 5:
      return { rotate: 270, flip: 'h' };
    case 6:
      return { rotate: 90 };
    case 7:
      return { rotate: 90, flip: 'h' };
    case 8:
      return { rotate: 270 };
    default:
      return {};
  }
}

const stream = (b: Uint8Array): ReadableStream<Uint8Array> => new Response(b).body as ReadableStream<Uint8Array>;

function codeOf(e: unknown): number | null {
  const c = (e as { code?: unknown })?.code;
  if (typeof c === 'number') return c;
  const m = /\b(9\d{3})\b/.exec(String((e as Error)?.message ?? e));
  return m ? Number(m[1]) : null;
}

/** Maps a binding error to a permanent (bad input) or transient processing error. */
export function classifyImagesError(e: unknown, what: string): Error {
  const code = codeOf(e);
  const msg = e instanceof Error ? e.message : String(e);
  if (code !== null && code >= 9400 && code < 9600 && code !== 9503 && code !== 9504) {
    return new PermanentProcessingError('DECODE_FAILED', `${what}: ${msg}`);
  }
  if (/unsupported image|bad seek|corrupt|premature|invalid|not a|marker|huffman|vipsjpeg|vipspng|input buffer/i.test(msg)) {
    return new PermanentProcessingError('DECODE_FAILED', `${what}: ${msg}`);
  }
  return new TransientProcessingError('IMAGES_UNAVAILABLE', `${what}: ${msg}`);
}

/**
 * Runs a binding call, once more when the connection was lost before an answer. Locally the binding is a
 * keep-alive HTTP connection to Miniflare's Node side, which closes idle connections after 5 s; after a
 * long synchronous stretch in the isolate (the WebAssembly HEIC decode) workerd may still send on such a
 * closed connection and get "Network connection lost" without the request having been served.
 */
async function reconnecting<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!/network connection lost/i.test(String((e as Error)?.message ?? e))) throw e;
    return call();
  }
}

function binding(env: { IMAGES?: ImagesBinding }): ImagesBinding {
  if (!env.IMAGES) throw new TransientProcessingError('IMAGES_UNAVAILABLE', 'no IMAGES binding configured');
  return env.IMAGES;
}

/** Pixel size as the binding reads it (stored orientation, before EXIF rotation). */
export async function imageInfo(env: { IMAGES?: ImagesBinding }, bytes: Uint8Array): Promise<{ width: number; height: number }> {
  let info: ImageInfoResponse;
  try {
    info = await reconnecting(() => binding(env).info(stream(bytes)));
  } catch (e) {
    throw classifyImagesError(e, 'reading the image');
  }
  if (!('width' in info) || !info.width || !info.height) throw new PermanentProcessingError('DECODE_FAILED', `no pixel size (${info.format})`);
  return { width: info.width, height: info.height };
}

/** True when the binding can read `bytes` (used to route HEIC: binding where it can, libheif else). */
export async function canDecode(env: { IMAGES?: ImagesBinding }, bytes: Uint8Array): Promise<boolean> {
  try {
    await imageInfo(env, bytes);
    return true;
  } catch (e) {
    if (e instanceof PermanentProcessingError) return false;
    throw e;
  }
}

export interface Jpeg {
  bytes: Uint8Array;
  width: number;
  height: number;
}

/**
 * `bytes` upright (EXIF orientation `orientation` applied) and scaled so its longest side is `longest` px
 * (`landscape`: whether the upright image is wider than high), as JPEG. Width/height read from the result.
 */
export async function resizeToJpeg(
  env: { IMAGES?: ImagesBinding },
  bytes: Uint8Array,
  orientation: number,
  longest: number,
  landscape: boolean,
): Promise<Jpeg> {
  let out: Uint8Array;
  try {
    out = await reconnecting(async () => {
      let t = binding(env).input(stream(bytes));
      const o = orientationTransform(orientation);
      if (o.rotate || o.flip) t = t.transform(o);
      t = t.transform(landscape ? { width: longest } : { height: longest });
      const r = await t.output({ format: 'image/jpeg', quality: 85 });
      return new Uint8Array(await new Response(r.image()).arrayBuffer());
    });
  } catch (e) {
    throw classifyImagesError(e, 'making a preview');
  }
  const f = jpegFrame(out);
  // The binding accepted the input (info read its header) and answered without an error, yet no image
  // came out: the pixel data does not decode (Miniflare's Sharp fails mid-stream on corrupt scans).
  if (!f) throw new PermanentProcessingError('DECODE_FAILED', `the image data does not decode (the Images binding returned ${out.length} bytes, no JPEG)`);
  return { bytes: out, width: f.width, height: f.height };
}
