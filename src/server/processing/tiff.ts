/**
 * A minimal, bounds-checked TIFF reader (TIFF 6.0 §2: header, IFDs of 12-byte entries) for the places
 * previews need one: EXIF in JPEG (Orientation), and TIFF-based RAW files (CR2, NEF, ARW, DNG, ORF,
 * RW2), whose IFDs point at the camera's embedded JPEG previews. Offsets inside TIFF are relative to
 * `base` (the header's position in `b`). Pure functions; never throws on malformed input (null / []).
 */

export interface TiffHeader {
  littleEndian: boolean;
  /** Absolute offset of IFD0 in `b`. */
  ifd0: number;
}

export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute offset of the entry's 4-byte value/offset field in `b`. */
  field: number;
}

/** Byte size of one value of each TIFF type (1 BYTE … 12 DOUBLE, 13 IFD). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };

export function u16(b: Uint8Array, at: number, le: boolean): number {
  return le ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];
}

export function u32(b: Uint8Array, at: number, le: boolean): number {
  return le
    ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
    : ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/**
 * Reads the header at `base`: "II"/"MM" then the magic — 42 (TIFF, CR2, NEF, ARW, DNG), 0x55 (RW2),
 * "RO"/"RS" (ORF) — then IFD0's offset. Null when it is not a TIFF header or IFD0 lies outside `b`.
 */
export function tiffHeader(b: Uint8Array, base: number): TiffHeader | null {
  if (base + 8 > b.length) return null;
  const le = b[base] === 0x49 && b[base + 1] === 0x49;
  const be = b[base] === 0x4d && b[base + 1] === 0x4d;
  if (!le && !be) return null;
  const magic = u16(b, base + 2, le);
  if (![42, 0x55, 0x4f52, 0x5352, 0x524f, 0x5253].includes(magic)) return null;
  const ifd0 = base + u32(b, base + 4, le);
  if (ifd0 + 2 > b.length) return null;
  return { littleEndian: le, ifd0 };
}

/** Entries of the IFD at absolute `at`, and the absolute offset of the next IFD (0 = none). */
export function readIfd(b: Uint8Array, base: number, le: boolean, at: number): { entries: IfdEntry[]; next: number } | null {
  if (at < base || at + 2 > b.length) return null;
  const n = u16(b, at, le);
  if (n === 0 || n > 1000 || at + 2 + n * 12 + 4 > b.length) return null;
  const entries: IfdEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = at + 2 + i * 12;
    entries.push({ tag: u16(b, e, le), type: u16(b, e + 2, le), count: u32(b, e + 4, le), field: e + 8 });
  }
  const nextRel = u32(b, at + 2 + n * 12, le);
  return { entries, next: nextRel === 0 ? 0 : base + nextRel };
}

/**
 * The numeric values of an entry (types SHORT, LONG, IFD; others → []), at most `max` of them.
 * Values of at most 4 bytes sit in the field itself; longer ones at base + the field's offset.
 */
export function entryValues(b: Uint8Array, base: number, le: boolean, e: IfdEntry, max = 64): number[] {
  const size = TYPE_SIZE[e.type];
  if (!size || (e.type !== 3 && e.type !== 4 && e.type !== 13)) return [];
  const count = Math.min(e.count, max);
  const at = e.count * size <= 4 ? e.field : base + u32(b, e.field, le);
  if (at + count * size > b.length) return [];
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(size === 2 ? u16(b, at + i * 2, le) : u32(b, at + i * 4, le));
  return out;
}

/** Absolute offset and byte count of an entry's data (any type), or null when it lies outside `b`. */
export function entryData(b: Uint8Array, base: number, le: boolean, e: IfdEntry): { at: number; bytes: number } | null {
  const size = TYPE_SIZE[e.type] ?? 1;
  const bytes = e.count * size;
  const at = bytes <= 4 ? e.field : base + u32(b, e.field, le);
  if (at + bytes > b.length || bytes === 0) return null;
  return { at, bytes };
}

/**
 * IFD0's Orientation (tag 0x0112) of the TIFF at `base`: its value (1–8) and the absolute offset of the
 * 2-byte value (for an in-place rewrite), or null when absent/invalid.
 */
export function readTiffOrientationAt(
  b: Uint8Array,
  base: number,
): { value: number; valueOffset: number; littleEndian: boolean } | null {
  const h = tiffHeader(b, base);
  if (!h) return null;
  const ifd = readIfd(b, base, h.littleEndian, h.ifd0);
  const e = ifd?.entries.find((x) => x.tag === 0x0112 && x.type === 3);
  if (!e) return null;
  const value = u16(b, e.field, h.littleEndian);
  return value >= 1 && value <= 8 ? { value, valueOffset: e.field, littleEndian: h.littleEndian } : null;
}
