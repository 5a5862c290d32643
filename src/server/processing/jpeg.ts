/**
 * Reading JPEG structure without decoding pixels (pure functions on bytes, no I/O):
 * - `jpegFrame`: size and kind of the frame (SOFn), used to check that an embedded preview is an image
 *   the Images binding can decode (baseline/extended/progressive, not lossless SOF3 raw data) and to
 *   report a preview's pixel size;
 * - `jpegEnd`: where a JPEG that starts at `start` ends (after its EOI), for previews embedded in RAW files;
 * - `exifOrientation` / `neutraliseOrientation`: the EXIF Orientation tag (1–8, TIFF 6.0 / EXIF 2.3 §4.6.4)
 *   of the APP1 segment, and an in-place rewrite of it to 1 once the rotation is applied explicitly, so the
 *   binding's output is the same whether or not it honours the tag itself (Miniflare's Sharp does not).
 */
import { readTiffOrientationAt } from './tiff.js';

export interface JpegFrame {
  width: number;
  height: number;
  /** SOF marker number: 0 baseline, 1 extended, 2 progressive, 3 lossless, … */
  sof: number;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** True when `b[at..]` starts with the SOI marker FF D8 FF. */
export function isJpegAt(b: Uint8Array, at = 0): boolean {
  return at + 3 <= b.length && b[at] === 0xff && b[at + 1] === 0xd8 && b[at + 2] === 0xff;
}

interface Segment {
  marker: number;
  /** Offset of the segment's payload (after the 2-byte length). */
  data: number;
  /** Payload length (length field − 2). */
  len: number;
}

/** The marker segments from SOI up to and including SOS (null when the structure is broken). */
function segments(b: Uint8Array, start: number): Segment[] | null {
  if (!isJpegAt(b, start)) return null;
  const out: Segment[] = [];
  let i = start + 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const len = (b[i + 2] << 8) | b[i + 3];
    if (len < 2 || i + 2 + len > b.length) return null;
    out.push({ marker, data: i + 4, len: len - 2 });
    i += 2 + len;
    if (marker === 0xda) return out;
  }
  return null;
}

/** The frame header of the JPEG at `start`, or null when there is none / the markers are broken. */
export function jpegFrame(b: Uint8Array, start = 0): JpegFrame | null {
  const segs = segments(b, start);
  if (!segs) return null;
  for (const s of segs) {
    if (SOF_MARKERS.has(s.marker) && s.len >= 5) {
      const d = s.data;
      return { height: (b[d + 1] << 8) | b[d + 2], width: (b[d + 3] << 8) | b[d + 4], sof: s.marker - 0xc0 };
    }
  }
  return null;
}

/**
 * Offset just past the EOI of the JPEG starting at `start` (searching at most up to `limit`), or null.
 * Entropy-coded data escapes 0xFF as FF 00 and uses FF D0–D7 as restart markers, so the first other
 * FF D9 after SOS is the end; progressive files have several scans, each with its own SOS.
 */
export function jpegEnd(b: Uint8Array, start: number, limit = b.length): number | null {
  const segs = segments(b.subarray(0, limit), start);
  if (!segs) return null;
  const sos = segs[segs.length - 1];
  let i = sos.data + sos.len;
  for (; i + 1 < limit; i++) {
    if (b[i] !== 0xff) continue;
    const m = b[i + 1];
    if (m === 0xd9) return i + 2;
  }
  return null;
}

/** Offset of the TIFF header inside the JPEG's EXIF APP1 segment, or -1. */
function exifTiffOffset(b: Uint8Array): number {
  const segs = segments(b, 0);
  if (!segs) return -1;
  for (const s of segs) {
    if (s.marker !== 0xe1 || s.len < 14) continue;
    const d = s.data;
    // "Exif\0\0"
    if (b[d] === 0x45 && b[d + 1] === 0x78 && b[d + 2] === 0x69 && b[d + 3] === 0x66 && b[d + 4] === 0 && b[d + 5] === 0) return d + 6;
  }
  return -1;
}

/** EXIF Orientation (1–8) of the JPEG, 1 when absent or unreadable. */
export function exifOrientation(b: Uint8Array): number {
  const t = exifTiffOffset(b);
  if (t < 0) return 1;
  return readTiffOrientationAt(b, t)?.value ?? 1;
}

/** Rewrites the EXIF Orientation tag to 1 in place (no-op when absent). Returns the value it had. */
export function neutraliseOrientation(b: Uint8Array): number {
  const t = exifTiffOffset(b);
  if (t < 0) return 1;
  const o = readTiffOrientationAt(b, t);
  if (!o) return 1;
  if (o.littleEndian) {
    b[o.valueOffset] = 1;
    b[o.valueOffset + 1] = 0;
  } else {
    b[o.valueOffset] = 0;
    b[o.valueOffset + 1] = 1;
  }
  return o.value;
}
