/**
 * The JPEG preview a camera embedded in its RAW file (SPEC v2 "Previews": RAW from the embedded JPEG).
 * Pure: bytes in, the largest decodable embedded JPEG out (a view into the same buffer, not a copy).
 *
 * Where cameras put it:
 * - TIFF-based (CR2, NEF, ARW, DNG, ORF, RW2): IFDs (IFD0 and its chain, SubIFDs 0x014A) with
 *   JPEGInterchangeFormat/-Length (0x0201/0x0202), or Compression 6/7 with a single strip
 *   (StripOffsets 0x0111 / StripByteCounts 0x0117; CR2's IFD0 preview); RW2 also as JpgFromRaw (0x002E).
 *   Strips of lossless JPEG (SOF3: the raw sensor data itself) are not previews and are skipped.
 *   Orientation: IFD0's Orientation tag.
 * - CR3 (ISO-BMFF): the PRVW box (≈1620×1080) and the THMB box (160×120) inside Canon's uuid boxes;
 *   orientation from the CMT1 box (a TIFF IFD0).
 * - RAF: the header's JPEG offset/length (big-endian u32 at bytes 84 and 88); orientation from that
 *   JPEG's own EXIF.
 * Returns null when the file has no embedded JPEG (e.g. stripped samples) — the file then has no preview.
 */
import { exifOrientation, isJpegAt, jpegEnd, jpegFrame } from './jpeg.js';
import { entryData, entryValues, readIfd, readTiffOrientationAt, tiffHeader, u32 } from './tiff.js';

export interface EmbeddedPreview {
  jpeg: Uint8Array;
  width: number;
  height: number;
  /** EXIF orientation (1–8) to apply to `jpeg`. */
  orientation: number;
}

interface Candidate {
  at: number;
  /** Declared length, or 0 when only the JPEG's own EOI tells. */
  bytes: number;
}

/** Checks a candidate: a JPEG the Images binding can decode (SOF0/1/2), cut to its real length. */
function accept(b: Uint8Array, c: Candidate): { jpeg: Uint8Array; width: number; height: number } | null {
  if (!isJpegAt(b, c.at)) return null;
  const limit = c.bytes > 0 ? Math.min(b.length, c.at + c.bytes) : b.length;
  const frame = jpegFrame(b.subarray(0, limit), c.at);
  if (!frame || frame.sof > 2 || frame.width === 0 || frame.height === 0) return null;
  const end = c.bytes > 0 ? limit : jpegEnd(b, c.at, limit);
  if (end === null || end <= c.at) return null;
  return { jpeg: b.subarray(c.at, end), width: frame.width, height: frame.height };
}

function tiffCandidates(b: Uint8Array): Candidate[] {
  const h = tiffHeader(b, 0);
  if (!h) return [];
  const le = h.littleEndian;
  const out: Candidate[] = [];
  const seen = new Set<number>();
  const visit = (at: number, depth: number) => {
    for (let hops = 0; at && hops < 8 && !seen.has(at); hops++) {
      seen.add(at);
      const ifd = readIfd(b, 0, le, at);
      if (!ifd) return;
      const tag = (t: number) => ifd.entries.find((e) => e.tag === t);
      const first = (t: number) => {
        const e = tag(t);
        return e ? entryValues(b, 0, le, e, 1)[0] : undefined;
      };
      const jOff = first(0x0201);
      const jLen = first(0x0202);
      if (jOff && jLen) out.push({ at: jOff, bytes: jLen });
      const comp = first(0x0103);
      const strips = tag(0x0111);
      const counts = tag(0x0117);
      if ((comp === 6 || comp === 7) && strips && counts && strips.count === 1) {
        const off = entryValues(b, 0, le, strips, 1)[0];
        const len = entryValues(b, 0, le, counts, 1)[0];
        if (off && len) out.push({ at: off, bytes: len });
      }
      const jpgFromRaw = tag(0x002e);
      if (jpgFromRaw) {
        const d = entryData(b, 0, le, jpgFromRaw);
        if (d) out.push({ at: d.at, bytes: d.bytes });
      }
      const sub = tag(0x014a);
      if (sub && depth < 3) for (const s of entryValues(b, 0, le, sub, 16)) visit(s, depth + 1);
      at = ifd.next;
    }
  };
  visit(h.ifd0, 0);
  return out;
}

const fourcc = (b: Uint8Array, i: number) => String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]);

/** CR3: PRVW/THMB JPEGs and the CMT1 orientation, searched inside the top-level boxes except mdat. */
function cr3(b: Uint8Array): { candidates: Candidate[]; orientation: number } {
  const candidates: Candidate[] = [];
  let orientation = 1;
  let at = 0;
  for (let n = 0; at + 8 <= b.length && n < 64; n++) {
    let size = u32(b, at, false);
    const type = fourcc(b, at + 4);
    if (size === 1 && at + 16 <= b.length) size = u32(b, at + 12, false); // 64-bit size (< 4 GB here)
    if (size === 0) size = b.length - at;
    if (size < 8 || at + size > b.length) break;
    if (type !== 'mdat') {
      for (let i = at + 8; i + 8 <= at + size; i++) {
        if (b[i] !== 0x50 && b[i] !== 0x54 && b[i] !== 0x43) continue; // P, T, C
        const t = fourcc(b, i);
        if (t !== 'PRVW' && t !== 'THMB' && t !== 'CMT1') continue;
        const boxSize = u32(b, i - 4, false);
        const boxEnd = Math.min(at + size, i - 4 + boxSize);
        if (boxSize < 8 || boxEnd <= i + 4) continue;
        if (t === 'CMT1') {
          orientation = readTiffOrientationAt(b, i + 4)?.value ?? orientation;
          continue;
        }
        for (let j = i + 4; j < Math.min(boxEnd, i + 40); j++) {
          if (isJpegAt(b, j)) {
            candidates.push({ at: j, bytes: 0 });
            break;
          }
        }
      }
    }
    at += size;
  }
  return { candidates, orientation };
}

/** The largest usable embedded JPEG of a RAW file of type `ext` (cr2, cr3, nef, arw, dng, raf, rw2, orf). */
export function embeddedPreview(b: Uint8Array, ext: string): EmbeddedPreview | null {
  let candidates: Candidate[] = [];
  let orientation: number | null = null;
  if (ext === 'cr3') {
    const r = cr3(b);
    candidates = r.candidates;
    orientation = r.orientation;
  } else if (ext === 'raf') {
    if (b.length >= 92 && String.fromCharCode(...b.subarray(0, 15)) === 'FUJIFILMCCD-RAW') {
      candidates = [{ at: u32(b, 84, false), bytes: u32(b, 88, false) }];
    }
  } else {
    candidates = tiffCandidates(b);
    orientation = readTiffOrientationAt(b, 0)?.value ?? 1;
  }
  let best: { jpeg: Uint8Array; width: number; height: number } | null = null;
  for (const c of candidates) {
    if (c.at <= 0 || c.at >= b.length) continue;
    const ok = accept(b, c);
    if (ok && (!best || ok.width * ok.height > best.width * best.height)) best = ok;
  }
  if (!best) return null;
  return { ...best, orientation: orientation ?? exifOrientation(best.jpeg) };
}
