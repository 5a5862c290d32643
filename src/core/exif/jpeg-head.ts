/**
 * A JPEG's EXIF from the head of the file already read, instead of exifr opening the file again (issue 15:
 * per-file work — exifr reading from the path cost an open, a stat, a chunked read and a close per file,
 * about half of the EXIF step's CPU for small JPEGs). The EXIF of a JPEG is an APP1 "Exif" segment
 * (≤ 64 KiB) near the start (JPEG/JFIF; EXIF 2.32 §4.5.4), so one read of {@link HEAD_BYTES} holds it in
 * practice; when it does not (a large segment before it), the caller lets exifr read the path as before.
 */
import { BufferPool } from '../buffer-pool.js';

/** Bytes read from the start of every file (format sniffing, and a JPEG's EXIF). */
export const HEAD_BYTES = 128 * 1024;

/** Head buffers, kept for the next file (planning reads 8 files at a time: core/plan/bounded.ts); contents undefined. */
export const headBuffers = new BufferPool(HEAD_BYTES, 8);

const SOS = 0xda;
const EOI = 0xd9;
const APP1 = 0xe1;

/**
 * Whether `head` (the first bytes of a JPEG of `fileBytes` bytes) holds all its EXIF: the whole file, or
 * the segments from SOI up to and including the APP1 "Exif" segment, or up to the image data (SOS) with no
 * EXIF before it (exifr reads none after it either). False when the head ends first or a segment is damaged:
 * then exifr reads the file itself, as it did before.
 */
export function jpegExifInHead(head: Buffer, fileBytes: number): boolean {
  if (head.length >= fileBytes) return true;
  let pos = 2; // after SOI
  while (pos + 4 <= head.length) {
    if (head[pos] !== 0xff) return false;
    const marker = head[pos + 1];
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === SOS || marker === EOI) return true;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += 2; // no length field
      continue;
    }
    const end = pos + 2 + head.readUInt16BE(pos + 2);
    if (marker === APP1 && head.toString('latin1', pos + 4, pos + 10) === 'Exif\0\0') return end <= head.length;
    pos = end;
  }
  return false;
}
