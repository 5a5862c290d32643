/**
 * A small TIFF/EXIF IFD reader over positioned reads, for what exifr does not give: the maker-note IFD
 * and the offsets inside it (TIFF 6.0 §2 "Image File Directory"; EXIF 2.32 §4.6.2 for the Exif IFD
 * pointer 0x8769 and MakerNote 0x927C). Reads only the few bytes asked for, never a whole file.
 */
import type { FileHandle } from 'node:fs/promises';
import { readFully } from '../../read-fully.js';

/** Random-access bytes: a file read at offsets, or a buffer already in memory. */
export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Up to `length` bytes from `position` (fewer at the end). @throws the fs error of a file source */
  read(position: number, length: number): Promise<Buffer>;
  /**
   * Fills `buf` with the bytes from `position` into a buffer the caller owns (no allocation: the container
   * checks' long scans); resolves with the count, fewer than `buf.length` only where the source ends.
   * Optional: a source without it is read with {@link read}. @throws like read
   */
  readInto?(buf: Buffer, position: number): Promise<number>;
}

/**
 * A {@link ByteSource} over an open file of `size` bytes (the size the caller saw; positioned reads, nothing
 * cached). A read never passes `size`; it is shorter only where the file on disk ends first (a file shrunk
 * since it was measured) — short reads of the OS are read on. Shared by the EXIF reader and the container
 * checks (core/plan/integrity*.ts).
 */
export function fileSource(fh: FileHandle, size: number): ByteSource {
  return {
    size,
    async read(position, length) {
      const n = Math.max(0, Math.min(length, size - position));
      if (n === 0 || position < 0) return Buffer.alloc(0);
      const buf = Buffer.alloc(n);
      const got = await readFully(fh, buf.subarray(0, n), position);
      return got === n ? buf : buf.subarray(0, got);
    },
    async readInto(buf, position) {
      const n = Math.max(0, Math.min(buf.length, size - position));
      if (n === 0 || position < 0) return 0;
      return readFully(fh, buf.subarray(0, n), position);
    },
  };
}

/**
 * A {@link ByteSource} that reads the first `head` bytes of `inner` once and answers reads inside them from
 * memory: the container checks walk a file's headers with many reads of a few bytes, and those of a small
 * file, or the marker segments at the start of a large one, lie there (a 200 KB JPEG took 14 positioned
 * reads, a camera's 105 KB one 41; now 1). Reads past the head go to `inner` as they are: the segments
 * further on are skipped by their lengths, and caching blocks there would read bytes the walk jumps over.
 * Buffers handed out are never written again. Errors are `inner`'s.
 */
export function headSource(inner: ByteSource, head: number): ByteSource {
  let cached: Promise<Buffer> | undefined;
  return {
    size: inner.size,
    async read(position, length) {
      const n = Math.max(0, Math.min(length, inner.size - position));
      if (n === 0 || position < 0) return Buffer.alloc(0);
      if (position + n > head) return inner.read(position, n);
      cached ??= inner.read(0, Math.min(head, inner.size));
      const got = await cached;
      // A file shorter than its size (shrunk since it was measured) gives what it has, as a direct read would.
      return got.subarray(Math.min(position, got.length), Math.min(position + n, got.length));
    },
    // Long scans read the file directly (what lies in the head was just read, so it is in the page cache).
    ...(inner.readInto ? { readInto: inner.readInto.bind(inner) } : {}),
  };
}

/** A {@link ByteSource} over bytes in memory. */
export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read: async (position, length) => (position < 0 ? Buffer.alloc(0) : buf.subarray(position, Math.min(buf.length, position + length))),
  };
}

/** One IFD entry (12 bytes): tag, TIFF type (1 BYTE … 12 DOUBLE), count, and where its value starts. */
export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Offset of the value from the TIFF header: the entry's own 4-byte field when the value fits in it. */
  valueOffset: number;
}

/** Bytes per value of each TIFF type; unknown types → undefined. */
const TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
/** Entries per IFD accepted at most (a damaged count must not make us read megabytes). */
const MAX_ENTRIES = 512;
/** Largest value read (bytes). */
const MAX_VALUE_BYTES = 64 * 1024;

/** A TIFF structure at `base` in `src`: byte order from its header, offsets relative to `base`. */
export class Tiff {
  private constructor(
    private readonly src: ByteSource,
    /** Position of the TIFF header ("II*\0" / "MM\0*") in the source. */
    readonly base: number,
    readonly littleEndian: boolean,
    /** Offset of IFD0 from the header. */
    readonly ifd0: number,
  ) {}

  /** The TIFF whose header is at `base`, or null when there is none. @throws the source's read error */
  static async at(src: ByteSource, base: number): Promise<Tiff | null> {
    const head = await src.read(base, 8);
    if (head.length < 8) return null;
    const order = head.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM') return null;
    const le = order === 'II';
    if ((le ? head.readUInt16LE(2) : head.readUInt16BE(2)) !== 42) return null;
    return new Tiff(src, base, le, le ? head.readUInt32LE(4) : head.readUInt32BE(4));
  }

  /** Entries of the IFD at `offset` (from the header); [] when it lies outside the source. */
  async readIfd(offset: number): Promise<IfdEntry[]> {
    const countBuf = await this.src.read(this.base + offset, 2);
    if (countBuf.length < 2) return [];
    const n = this.u16(countBuf, 0);
    if (n === 0 || n > MAX_ENTRIES) return [];
    const buf = await this.src.read(this.base + offset + 2, n * 12);
    const entries: IfdEntry[] = [];
    for (let i = 0; i + 12 <= buf.length; i += 12) {
      const type = this.u16(buf, i + 2);
      const count = this.u32(buf, i + 4);
      const bytes = (TYPE_BYTES[type] ?? 0) * count;
      const valueOffset = bytes <= 4 ? offset + 2 + i + 8 : this.u32(buf, i + 8);
      entries.push({ tag: this.u16(buf, i), type, count, valueOffset });
    }
    return entries;
  }

  /** The raw value bytes of `entry` (at most 64 KiB); empty for an unknown type. */
  async valueBytes(entry: IfdEntry): Promise<Buffer> {
    const bytes = (TYPE_BYTES[entry.type] ?? 0) * entry.count;
    if (bytes === 0) return Buffer.alloc(0);
    return this.src.read(this.base + entry.valueOffset, Math.min(bytes, MAX_VALUE_BYTES));
  }

  /** A SHORT (3) or SSHORT (8) array as signed 16-bit numbers (Canon's binary-data tables are int16s). */
  async int16s(entry: IfdEntry): Promise<number[]> {
    if (entry.type !== 3 && entry.type !== 8) return [];
    const buf = await this.valueBytes(entry);
    const out: number[] = [];
    for (let i = 0; i + 2 <= buf.length; i += 2) out.push(this.littleEndian ? buf.readInt16LE(i) : buf.readInt16BE(i));
    return out;
  }

  /** A LONG (4) value, e.g. the Exif IFD pointer; undefined for other types. */
  async long(entry: IfdEntry): Promise<number | undefined> {
    if (entry.type !== 4 && entry.type !== 13) return undefined;
    const buf = await this.valueBytes(entry);
    return buf.length >= 4 ? this.u32(buf, 0) : undefined;
  }

  private u16(buf: Buffer, at: number): number {
    return this.littleEndian ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }

  private u32(buf: Buffer, at: number): number {
    return this.littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }
}

/** JPEG segments walked at most looking for the EXIF APP1 (padding COM segments come after it). */
const MAX_JPEG_SEGMENTS = 256;

/**
 * The TIFF structure holding a file's EXIF: at 0 in TIFF-based files (TIFF, CR2, NEF, DNG …) and EXIF
 * blocks; in a JPEG, inside the APP1 segment that starts "Exif\0\0" (EXIF 2.32 §4.5.4). Null when absent.
 * @throws the source's read error
 */
export async function locateTiff(src: ByteSource): Promise<Tiff | null> {
  const head = await src.read(0, 4);
  if (head.length < 4) return null;
  if (head[0] !== 0xff || head[1] !== 0xd8) return Tiff.at(src, 0);
  let pos = 2;
  for (let n = 0; n < MAX_JPEG_SEGMENTS && pos + 10 <= src.size; n++) {
    const seg = await src.read(pos, 10);
    if (seg.length < 4 || seg[0] !== 0xff) return null;
    const marker = seg[1];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
      pos += marker === 0xff ? 1 : 2; // markers without a length (and fill bytes)
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data or end: no EXIF before it
    const length = seg.readUInt16BE(2);
    if (marker === 0xe1 && seg.toString('latin1', 4, 10) === 'Exif\0\0') return Tiff.at(src, pos + 10);
    pos += 2 + length;
  }
  return null;
}
