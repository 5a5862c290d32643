/**
 * HEIC/HEIF → pixels inside the Worker, for where the Images binding cannot decode HEIC (Miniflare:
 * Sharp's prebuilt libvips has no HEVC decoder; SPEC v2 "Previews"). libheif 1.20 compiled to
 * WebAssembly (`libheif-js`, LGPL-3.0, file libheif-wasm/libheif.js + libheif.wasm).
 *
 * workerd refuses to compile WebAssembly from bytes at run time, so the .wasm ships as its own module
 * beside dist/worker.js (tsup copies it; wrangler.toml [[rules]] CompiledWasm; Miniflare modulesRules)
 * and is imported as a compiled `WebAssembly.Module`; Emscripten gets it through `instantiateWasm`,
 * instantiated synchronously (this build wires its exports synchronously — an async instantiate leaves
 * the embind registry half-built).
 *
 * libheif applies the HEIF transformations (irot/imir/clap) while decoding, so the pixels come out
 * upright. Decoding a 12 MP iPhone photo takes ~1.7 s here.
 */
// libheif-js's own types describe the raw embind module; the part used here is declared below.
import libheifFactory from 'libheif-js/libheif-wasm/libheif.js';
import libheifWasm from './libheif.wasm';

interface HeifImage {
  handle: unknown;
  get_width(): number;
  get_height(): number;
  free(): void;
}
interface HeifChannel {
  id: number;
  width: number;
  height: number;
  stride: number;
  data: Uint8Array;
}
interface LibHeif {
  HeifDecoder: new () => { decode(b: Uint8Array): HeifImage[]; decoder: unknown };
  heif_js_decode_image2(handle: unknown, colorspace: number, chroma: number): Promise<{ code?: number; message?: string; image?: unknown; channels?: HeifChannel[] } | null>;
  heif_image_release(image: unknown): void;
  heif_context_free(ctx: unknown): void;
  heif_colorspace: { heif_colorspace_RGB: number };
  heif_chroma: { heif_chroma_interleaved_RGBA: number };
  heif_channel: { heif_channel_interleaved: number };
}

let lib: Promise<LibHeif> | null = null;

function loadLibheif(): Promise<LibHeif> {
  if (!lib) {
    lib = new Promise<LibHeif>((resolve, reject) => {
      try {
        // Emscripten's Module is the options object itself, filled in by the factory; with a synchronous
        // instantiate, onRuntimeInitialized runs before the factory returns.
        const module: Record<string, unknown> = {
          onRuntimeInitialized: () => resolve(module as unknown as LibHeif),
          instantiateWasm(imports: WebAssembly.Imports, done: (i: WebAssembly.Instance, m: WebAssembly.Module) => unknown) {
            return done(new WebAssembly.Instance(libheifWasm, imports), libheifWasm);
          },
          print: () => undefined,
          printErr: () => undefined,
        };
        (libheifFactory as unknown as (o: object) => unknown)(module);
      } catch (e) {
        lib = null;
        reject(e);
      }
    });
  }
  return lib;
}

export interface Rgba {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major RGBA. */
  data: Uint8ClampedArray;
}

/** Thrown when the bytes are no decodable HEIF image (no image item, no image data, HEVC errors). */
export class HeifDecodeError extends Error {
  override name = 'HeifDecodeError';
}

/** Decodes the primary (first top-level) image. Throws HeifDecodeError when there is none or it fails. */
export async function decodeHeif(bytes: Uint8Array): Promise<Rgba> {
  const libheif = await loadLibheif();
  const decoder = new libheif.HeifDecoder();
  try {
    const images = decoder.decode(bytes);
    const img = images[0];
    if (!img) throw new HeifDecodeError('no image in the HEIF file (unreadable container or no image item)');
    const width = img.get_width();
    const height = img.get_height();
    try {
      const r = await libheif.heif_js_decode_image2(
        img.handle,
        libheif.heif_colorspace.heif_colorspace_RGB,
        libheif.heif_chroma.heif_chroma_interleaved_RGBA,
      );
      if (!r || r.code || !r.channels) throw new HeifDecodeError(r?.message || 'HEIF image data could not be decoded');
      const ch = r.channels.find((c) => c.id === libheif.heif_channel.heif_channel_interleaved);
      if (!ch || ch.width !== width || ch.height !== height) {
        libheif.heif_image_release(r.image);
        throw new HeifDecodeError('HEIF decoder returned no RGBA plane of the image size');
      }
      const data = new Uint8ClampedArray(width * height * 4);
      if (ch.stride === width * 4) data.set(ch.data.subarray(0, width * height * 4));
      else for (let y = 0; y < height; y++) data.set(ch.data.subarray(y * ch.stride, y * ch.stride + width * 4), y * width * 4);
      libheif.heif_image_release(r.image);
      return { width, height, data };
    } finally {
      for (const i of images) i.free();
    }
  } finally {
    if (decoder.decoder) libheif.heif_context_free(decoder.decoder);
  }
}
