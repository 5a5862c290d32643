/**
 * TIFF-based RAW (CR2, NEF, ARW, DNG, ORF, RW2, also TIFF) and RAF wholeness (SPEC v2 "Truncated files are
 * never uploaded": "TIFF-based RAW (CR2, NEF, ARW, DNG, ORF, RW2) and RAF point inside the file").
 *
 * TIFF: every IFD reached (the IFD0 chain, SubIFDs, EXIF/GPS/Interop IFDs) lies inside the file, every
 * entry whose value is stored out of line points inside the file, and every strip, tile and embedded JPEG
 * (offset + byte count) ends inside the file; RW2's RawDataOffset lies inside it. Maker notes are checked as one blob (inside the file), not
 * parsed. RAF: the header's JPEG, CFA header and CFA (offset, length) pairs end inside the file.
 */
import { type ByteSource, type ContainerCheck, notWhole, WHOLE } from './integrity-source.js';

/** Bytes per value of TIFF field types 1…13 (index = type); 0 = unknown type. */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

/** Tags whose values are offsets of further IFDs. */
const IFD_POINTERS = new Set([0x014a /* SubIFDs */, 0x8769 /* Exif */, 0x8825 /* GPS */, 0xa005 /* Interop */]);

/** (offset tag, byte-count tag) pairs of image data. */
const DATA_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [0x0111, 0x0117], // StripOffsets, StripByteCounts
  [0x0144, 0x0145], // TileOffsets, TileByteCounts
  [0x0201, 0x0202], // JPEGInterchangeFormat, …Length
  [0x0118, 0], // Panasonic RW2 RawDataOffset (the raw data's length is in StripByteCounts)
];

/** An offset of all ones is "not stored" (ExifTool's stripped files, some writers' placeholders). */
const NO_OFFSET = 0xffffffff;

/** At most this many IFDs are walked (a loop or a hostile file cannot make the check run long). */
const MAX_IFDS = 64;
/** At most this many values of one offset/count array are read (4 MiB of LONGs). */
const MAX_VALUES = 1 << 20;

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Offset of the value: inline (in the entry) or out of line. */
  valueAt: number;
}

export async function checkTiff(src: ByteSource, base: number): Promise<ContainerCheck> {
  const header = await src.read(base, 8);
  if (header.length < 8) return notWhole('tiff-header-cut');
  const le = header.toString('latin1', 0, 2) === 'II';
  const u32 = (b: Buffer, at: number): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const u16 = (b: Buffer, at: number): number => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));

  const queue = [u32(header, 4)];
  const seen = new Set<number>();
  while (queue.length > 0 && seen.size < MAX_IFDS) {
    const ifd = queue.shift()!;
    if (ifd === 0 || seen.has(ifd)) continue;
    seen.add(ifd);
    const at = base + ifd;
    const countBuf = await src.read(at, 2);
    if (countBuf.length < 2) return notWhole('tiff-ifd-outside');
    const n = u16(countBuf, 0);
    const body = await src.read(at + 2, n * 12 + 4);
    if (body.length < n * 12 + 4) return notWhole('tiff-ifd-outside');
    const entries: Entry[] = [];
    for (let i = 0; i < n; i += 1) {
      const e = i * 12;
      const tag = u16(body, e);
      const type = u16(body, e + 2);
      const count = u32(body, e + 4);
      const size = (TYPE_SIZE[type] ?? 0) * count;
      const valueAt = size > 4 ? base + u32(body, e + 8) : at + 2 + e + 8;
      if (size > 4 && valueAt + size > src.size) return notWhole('tiff-offset-outside');
      entries.push({ tag, type, count, valueAt });
    }
    queue.push(u32(body, n * 12));
    for (const entry of entries) {
      if (IFD_POINTERS.has(entry.tag)) queue.push(...(await values(src, entry, u16, u32)));
    }
    for (const [offsetTag, countTag] of DATA_PAIRS) {
      const offsets = entries.find((e) => e.tag === offsetTag);
      if (!offsets) continue;
      const counts = countTag === 0 ? undefined : entries.find((e) => e.tag === countTag);
      const starts = await values(src, offsets, u16, u32);
      const lengths = counts ? await values(src, counts, u16, u32) : [];
      for (let i = 0; i < starts.length; i += 1) {
        if (starts[i] === NO_OFFSET) continue;
        const end = base + starts[i] + Math.max(1, lengths[i] ?? 1);
        if (end > src.size) return notWhole('tiff-data-outside');
      }
    }
  }
  return WHOLE;
}

/** The SHORT/LONG/IFD values of an entry (other types: none), at most {@link MAX_VALUES}. */
async function values(
  src: ByteSource,
  entry: Entry,
  u16: (b: Buffer, at: number) => number,
  u32: (b: Buffer, at: number) => number,
): Promise<number[]> {
  const width = entry.type === 3 ? 2 : entry.type === 4 || entry.type === 13 ? 4 : 0;
  if (width === 0) return [];
  const count = Math.min(entry.count, MAX_VALUES);
  const buf = await src.read(entry.valueAt, count * width);
  const out: number[] = [];
  for (let i = 0; i + width <= buf.length; i += width) out.push(width === 2 ? u16(buf, i) : u32(buf, i));
  return out;
}

/**
 * RAF (Fujifilm): big-endian (offset, length) pairs at 0x54 (embedded JPEG), 0x5C (CFA header) and 0x64 (CFA
 * data) must end inside the file; a pair of zeros is absent.
 */
export async function checkRaf(src: ByteSource): Promise<ContainerCheck> {
  const header = await src.read(0x54, 24);
  if (header.length < 24) return notWhole('raf-header-cut');
  for (let i = 0; i < 24; i += 8) {
    const offset = header.readUInt32BE(i);
    const length = header.readUInt32BE(i + 4);
    if (offset === 0 && length === 0) continue;
    if (offset + length > src.size) return notWhole('raf-offset-outside');
  }
  return WHOLE;
}
