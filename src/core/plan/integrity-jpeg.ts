/**
 * JPEG wholeness (SPEC v2 "Truncated files are never uploaded": "a JPEG parses to its EOI marker").
 *
 * Segment by segment from SOI: a marker segment's length must fit in the file; after SOS the entropy-coded
 * data is scanned in chunks for the next marker (0xFF followed by neither 0x00 stuffing, a restart marker
 * RST0–7 nor fill 0xFF); the file is whole at the first EOI (0xFFD9) reached this way. Bytes after EOI (an
 * MPF second image, padding, vendor trailers) are tolerated. An EXIF thumbnail's EOI inside APP1 is never
 * mistaken for the end: APP1 is skipped by its length.
 */
import { fileReadBuffers } from '../buffer-pool.js';
import { type ByteSource, CHUNK, type ContainerCheck, notWhole, WHOLE } from './integrity-source.js';

const SOS = 0xda;
const EOI = 0xd9;

export async function checkJpeg(src: ByteSource): Promise<ContainerCheck> {
  let pos = 2; // after SOI
  for (;;) {
    const head = await src.read(pos, 4);
    if (head.length < 2) return notWhole('jpeg-no-eoi');
    if (head[0] !== 0xff) {
      // Garbage between segments (a damaged but complete file): look for the next marker like in scan data.
      const next = await nextMarker(src, pos);
      if (next < 0) return notWhole('jpeg-no-eoi');
      pos = next;
      continue;
    }
    const marker = head[1];
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === EOI) return WHOLE;
    if (isStandalone(marker)) {
      pos += 2;
      continue;
    }
    if (head.length < 4) return notWhole('jpeg-segment-cut');
    const length = head.readUInt16BE(2);
    if (length < 2) return notWhole('jpeg-bad-segment-length');
    const end = pos + 2 + length;
    if (end > src.size) return notWhole('jpeg-segment-overruns');
    pos = end;
    if (marker === SOS) {
      const next = await nextMarker(src, pos);
      if (next < 0) return notWhole('jpeg-no-eoi');
      pos = next;
    }
  }
}

/** Markers without a length field: TEM, RST0–7, SOI. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);
}

/**
 * Offset of the next marker's 0xFF at or after `from` in entropy-coded data, or -1 when the file ends first.
 * Skips 0xFF00 (stuffed byte), RST0–7 and fill bytes. A source with `readInto` (a file) is scanned 1 MiB at a
 * time in a pooled buffer (core/buffer-pool.ts: this scan reads a large JPEG whole, and a fresh buffer per
 * read was 1.6 GB of zeroed garbage for 200 × 8 MB); others {@link CHUNK} bytes at a time.
 */
async function nextMarker(src: ByteSource, from: number): Promise<number> {
  if (!src.readInto) return scanFrom(from, src.size, (base) => src.read(base, CHUNK + 1));
  const buf = fileReadBuffers.take();
  try {
    return await scanFrom(from, src.size, async (base) => buf.subarray(0, await src.readInto!(buf, base)));
  } finally {
    fileReadBuffers.release(buf); // the scan is over: nothing reads into buf any more
  }
}

/** The scan of {@link nextMarker}; `chunkAt(base)` gives the bytes from `base` (at least 2 unless at the end). */
async function scanFrom(from: number, size: number, chunkAt: (base: number) => Promise<Buffer>): Promise<number> {
  let base = from;
  while (base < size) {
    // One byte of overlap so that an 0xFF at a chunk's end is judged with the byte after it.
    const chunk = await chunkAt(base);
    if (chunk.length < 2) return -1;
    let i = chunk.indexOf(0xff);
    while (i >= 0 && i + 1 < chunk.length) {
      const b = chunk[i + 1];
      if (b !== 0x00 && b !== 0xff && !(b >= 0xd0 && b <= 0xd7)) return base + i;
      i = chunk.indexOf(0xff, i + 1);
    }
    base += chunk.length - 1;
  }
  return -1;
}
