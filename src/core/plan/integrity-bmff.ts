/**
 * ISO-BMFF / QuickTime wholeness: HEIC, MOV, MP4, CR3 (SPEC v2 "Truncated files are never uploaded":
 * "ISO-BMFF files (HEIC, MOV, MP4, CR3) have boxes that add up to the file size").
 *
 * Top-level boxes (32-bit size, or 1 = a 64-bit size after the type, or 0 = to the end of the file) must tile
 * the file exactly; a file whose boxes add up by chance (cut at a box boundary) is caught by two more rules:
 * it must hold a `moov` (movies, CR3) or `meta` (HEIF images) box, and every chunk offset of every track
 * (`stco`/`co64`) and every item extent (`iloc`) must point inside the file.
 */
import { boxAt, type BoxHeader } from '../exif/bmff-box.js';
import { type ByteSource, type ContainerCheck, notWhole, WHOLE } from './integrity-source.js';

/** A box: start, payload (`body`) and end offsets (exif/bmff-box.ts). */
type Box = BoxHeader;

/** Container boxes walked to reach the track tables (moov/trak/mdia/minf/stbl). */
const TRACK_PATH = new Set(['trak', 'mdia', 'minf', 'stbl']);

export async function checkBmff(src: ByteSource): Promise<ContainerCheck> {
  const top = await readBoxes(src, 0, src.size);
  if ('reason' in top) return notWhole(top.reason);
  const moov = top.boxes.find((b) => b.type === 'moov');
  const meta = top.boxes.find((b) => b.type === 'meta');
  if (!moov && !meta) return notWhole('bmff-no-moov-or-meta');
  if (moov) {
    const bad = await checkChunkOffsets(src, moov, 0);
    if (bad) return notWhole(bad);
  }
  if (meta) {
    const bad = await checkItemExtents(src, meta);
    if (bad) return notWhole(bad);
  }
  return WHOLE;
}

const BOX_REASON = { cut: 'bmff-box-header-cut', invalid: 'bmff-box-invalid', overruns: 'bmff-box-overruns' } as const;

/**
 * The boxes between `from` and `to`, which they must fill exactly.
 * Errors: 'bmff-box-header-cut' (fewer than 8 bytes left), 'bmff-box-invalid' (size below its header),
 * 'bmff-box-overruns' (a box passes `to`).
 */
async function readBoxes(src: ByteSource, from: number, to: number): Promise<{ boxes: Box[] } | { reason: string }> {
  const boxes: Box[] = [];
  let pos = from;
  while (pos < to) {
    const box = boxAt(await src.read(pos, 16), pos, to);
    if (typeof box === 'string') return { reason: BOX_REASON[box] };
    boxes.push(box);
    pos = box.end;
  }
  return { boxes };
}

/** Every stco/co64 entry of every track inside the file; the first problem's reason, or null. */
async function checkChunkOffsets(src: ByteSource, box: Box, depth: number): Promise<string | null> {
  if (depth > 6) return null;
  const children = await readBoxes(src, box.body, box.end);
  if ('reason' in children) return children.reason;
  for (const child of children.boxes) {
    if (TRACK_PATH.has(child.type)) {
      const bad = await checkChunkOffsets(src, child, depth + 1);
      if (bad) return bad;
    } else if (child.type === 'stco' || child.type === 'co64') {
      const wide = child.type === 'co64';
      const head = await src.read(child.body, 8);
      if (head.length < 8) return 'bmff-box-header-cut';
      const count = head.readUInt32BE(4);
      const entry = wide ? 8 : 4;
      if (child.body + 8 + count * entry > child.end) return 'bmff-table-overruns';
      const table = await src.read(child.body + 8, count * entry);
      for (let i = 0; i < count; i += 1) {
        const offset = wide ? Number(table.readBigUInt64BE(i * 8)) : table.readUInt32BE(i * 4);
        if (offset >= src.size) return 'bmff-chunk-outside';
      }
    }
  }
  return null;
}

/** Every iloc extent (construction method 0 = file offsets) inside the file; the first problem, or null. */
async function checkItemExtents(src: ByteSource, meta: Box): Promise<string | null> {
  // meta is a full box: 4 bytes of version and flags before its children.
  const children = await readBoxes(src, meta.body + 4, meta.end);
  if ('reason' in children) return children.reason;
  const iloc = children.boxes.find((b) => b.type === 'iloc');
  if (!iloc) return null;
  const buf = await src.read(iloc.body, iloc.end - iloc.body);
  if (buf.length < iloc.end - iloc.body) return 'bmff-box-overruns';
  const r = new Reader(buf);
  const version = r.u(1);
  r.skip(3);
  const sizes = r.u(2);
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 0xf;
  const baseOffsetSize = (sizes >> 4) & 0xf;
  const indexSize = version === 1 || version === 2 ? sizes & 0xf : 0;
  const itemCount = version < 2 ? r.u(2) : r.u(4);
  for (let i = 0; i < itemCount; i += 1) {
    r.skip(version < 2 ? 2 : 4); // item_ID
    const method = version === 1 || version === 2 ? r.u(2) & 0xf : 0;
    r.skip(2); // data_reference_index
    const base = r.u(baseOffsetSize);
    const extents = r.u(2);
    for (let e = 0; e < extents; e += 1) {
      r.skip(indexSize);
      const offset = r.u(offsetSize);
      const length = r.u(lengthSize);
      if (r.overrun) return 'bmff-table-overruns';
      if (method === 0 && base + offset + length > src.size) return 'bmff-extent-outside';
    }
  }
  return r.overrun ? 'bmff-table-overruns' : null;
}

/** Big-endian reader of unsigned fields of 0, 1, 2, 4 or 8 bytes; sets `overrun` instead of throwing. */
class Reader {
  pos = 0;
  overrun = false;
  constructor(private readonly buf: Buffer) {}
  u(size: number): number {
    if (size === 0) return 0;
    if (this.pos + size > this.buf.length) {
      this.overrun = true;
      return 0;
    }
    const at = this.pos;
    this.pos += size;
    if (size === 1) return this.buf[at];
    if (size === 2) return this.buf.readUInt16BE(at);
    if (size === 4) return this.buf.readUInt32BE(at);
    if (size === 8) return Number(this.buf.readBigUInt64BE(at));
    this.overrun = true;
    return 0;
  }
  skip(size: number): void {
    this.pos += size;
    if (this.pos > this.buf.length) this.overrun = true;
  }
}
