/**
 * Camera metadata of QuickTime/MP4 videos (MOV, MP4), which carry no EXIF. Walks atoms (ISO-BMFF boxes)
 * with positioned reads — headers only, payloads just for the few small atoms wanted — so a 250 MB video
 * costs a handful of reads wherever its `moov` sits (before or after `mdat`). Read:
 * - `moov/mvhd` creation time (QuickTime File Format: seconds since 1904-01-01);
 * - `moov/meta` keys/ilst (Apple: com.apple.quicktime.make / .model / .creationdate);
 * - `moov/udta` text atoms ©mak, ©mod, ©day (QuickTime user data: [u16 size][u16 language][text]), also
 *   inside an iTunes-style `udta/meta/ilst` (`data` atoms);
 * - `moov/udta/TAGS` of Pentax cameras (makernotes/pentax-mov.ts), as ExifTool does.
 */
import type { ExifMeta } from '../../contract/api.js';
import { boxAt } from './bmff-box.js';
import { localDateTime } from './local-date-time.js';
import { parsePentaxTags, PENTAX_TAGS_BYTES } from './makernotes/pentax-mov.js';
import type { ByteSource } from './makernotes/tiff.js';

/** Atoms looked at per level at most (a damaged file must not loop for long). */
const MAX_ATOMS = 10_000;
/** Largest payload read for one wanted atom (text, keys, one ilst item); bigger ones (cover art) are skipped. */
const MAX_PAYLOAD = 64 * 1024;
/** Seconds from 1904-01-01 (QuickTime epoch) to 1970-01-01. */
const QT_EPOCH_OFFSET_S = 2_082_844_800;

interface Atom {
  type: string;
  /** Payload range in the source (after the 8- or 16-byte header). */
  start: number;
  end: number;
}

/** What the walk collects, before choosing among sources. */
interface Found {
  keys: Map<string, string>;
  udta: Map<string, string>;
  pentax: ReturnType<typeof parsePentaxTags>;
  mvhdCreated?: string;
}

/**
 * Camera metadata of the QuickTime/MP4 file in `src` (wire units, as readExif). Missing atoms give
 * missing fields; a damaged atom ends the walk of its level. Never reads more than a few hundred KiB.
 * captured_at: Apple's creationdate, else a full date-time in ©day, else the mvhd creation time — each as
 * the clock value written, zone dropped (cameras often write local time into mvhd; ExifTool shows it
 * unconverted by default).
 * @throws the source's read error
 */
export async function readQuickTimeMeta(src: ByteSource): Promise<ExifMeta> {
  const found: Found = { keys: new Map(), udta: new Map(), pentax: {} };
  const moov = (await children(src, 0, src.size)).find((a) => a.type === 'moov');
  if (moov) {
    for (const atom of await children(src, moov.start, moov.end)) {
      if (atom.type === 'mvhd') found.mvhdCreated = await mvhdCreated(src, atom);
      else if (atom.type === 'meta') await readKeyedMeta(src, atom, found.keys);
      else if (atom.type === 'udta') await readUserData(src, atom, found);
    }
  }
  const meta: ExifMeta = { ...found.pentax };
  const make = found.keys.get('com.apple.quicktime.make') ?? found.udta.get('©mak') ?? found.pentax.make;
  if (make) meta.make = make;
  const model = found.keys.get('com.apple.quicktime.model') ?? found.udta.get('©mod');
  if (model) meta.model = model;
  const captured = localDateTime(found.keys.get('com.apple.quicktime.creationdate')) ?? localDateTime(found.udta.get('©day')) ?? found.mvhdCreated;
  if (captured) meta.captured_at = captured;
  return meta;
}

/** The atoms in [from, to): size 1 = 64-bit size follows, size 0 = up to `to`. Stops at a damaged header. */
async function children(src: ByteSource, from: number, to: number): Promise<Atom[]> {
  const atoms: Atom[] = [];
  let offset = from;
  for (let n = 0; n < MAX_ATOMS && offset + 8 <= to; n++) {
    const box = boxAt(await src.read(offset, 16), offset, to);
    if (typeof box === 'string') break;
    atoms.push({ type: box.type, start: box.body, end: box.end });
    offset = box.end;
  }
  return atoms;
}

async function payload(src: ByteSource, atom: Atom): Promise<Buffer | undefined> {
  const length = atom.end - atom.start;
  return length <= MAX_PAYLOAD ? src.read(atom.start, length) : undefined;
}

/** mvhd: version (1 byte), flags (3), creation time (u32, or u64 for version 1). 0 = not set. */
async function mvhdCreated(src: ByteSource, atom: Atom): Promise<string | undefined> {
  const buf = await src.read(atom.start, 12);
  if (buf.length < 8) return undefined;
  const seconds = buf[0] === 1 ? (buf.length >= 12 ? Number(buf.readBigUInt64BE(4)) : 0) : buf.readUInt32BE(4);
  const unixMs = (seconds - QT_EPOCH_OFFSET_S) * 1000;
  if (seconds === 0 || unixMs < 0) return undefined;
  return new Date(unixMs).toISOString().slice(0, 19);
}

/**
 * A `meta` atom (QuickTime: no version field; ISO/iTunes: 4 bytes version+flags before its children).
 * Keyed (hdlr mdta, `keys` + `ilst`): keys by name into `into`; iTunes-style (`ilst` of ©xxx items): into
 * `udta` by atom type.
 */
async function readKeyedMeta(src: ByteSource, atom: Atom, into: Map<string, string>, udta?: Map<string, string>): Promise<void> {
  const probe = await src.read(atom.start, 8);
  const skip = probe.length >= 8 && probe.toString('latin1', 4, 8) === 'hdlr' ? 0 : 4;
  const kids = await children(src, atom.start + skip, atom.end);
  const names: string[] = [];
  const keys = kids.find((a) => a.type === 'keys');
  const keysBuf = keys && (await payload(src, keys));
  if (keysBuf && keysBuf.length >= 8) {
    const count = keysBuf.readUInt32BE(4);
    let at = 8;
    for (let i = 0; i < count && at + 8 <= keysBuf.length; i++) {
      const size = keysBuf.readUInt32BE(at);
      if (size < 8 || at + size > keysBuf.length) break;
      names.push(keysBuf.toString('utf8', at + 8, at + size));
      at += size;
    }
  }
  const ilst = kids.find((a) => a.type === 'ilst');
  if (!ilst) return;
  for (const item of await children(src, ilst.start, ilst.end)) {
    const index = Buffer.from(item.type, 'latin1').readUInt32BE(0);
    const name = index >= 1 && index <= names.length ? names[index - 1] : undefined;
    const wanted = name?.startsWith('com.apple.quicktime.') || (udta && ['©mak', '©mod', '©day'].includes(item.type));
    if (!wanted) continue;
    const buf = await payload(src, item);
    const value = buf && dataAtomText(buf);
    if (!value) continue;
    if (name && !into.has(name)) into.set(name, value);
    else if (!name && udta && !udta.has(item.type)) udta.set(item.type, value);
  }
}

/** `udta`: text atoms ©mak/©mod/©day, a Pentax TAGS atom, an iTunes-style meta. */
async function readUserData(src: ByteSource, udta: Atom, found: Found): Promise<void> {
  for (const atom of await children(src, udta.start, udta.end)) {
    if (atom.type === 'TAGS') {
      const buf = await src.read(atom.start, Math.min(atom.end - atom.start, PENTAX_TAGS_BYTES));
      const pentax = parsePentaxTags(buf);
      if (Object.keys(pentax).length > 0) found.pentax = pentax;
    } else if (atom.type === 'meta') {
      await readKeyedMeta(src, atom, new Map(), found.udta);
    } else if (['©mak', '©mod', '©day'].includes(atom.type) && !found.udta.has(atom.type)) {
      const buf = await payload(src, atom);
      const value = buf && (dataAtomText(buf) ?? userDataText(buf));
      if (value) found.udta.set(atom.type, value);
    }
  }
}

/** QuickTime user-data text: the first [u16 length][u16 language][text] record. */
function userDataText(buf: Buffer): string | undefined {
  if (buf.length < 4) return undefined;
  const length = buf.readUInt16BE(0);
  return clean(decode(buf.subarray(4, Math.min(buf.length, 4 + length))));
}

/** An item holding a `data` atom: [size]['data'][type u32][locale u32][value]; text types only (1 = UTF-8). */
function dataAtomText(buf: Buffer): string | undefined {
  if (buf.length < 16 || buf.toString('latin1', 4, 8) !== 'data') return undefined;
  const size = Math.min(buf.readUInt32BE(0), buf.length);
  const type = buf.readUInt32BE(8) & 0xffffff;
  if (type !== 1) return undefined;
  return clean(decode(buf.subarray(16, size)));
}

/** UTF-8, or Latin-1 when the bytes are not valid UTF-8 (older QuickTime text is Mac Roman / ASCII). */
function decode(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\uFFFD') ? bytes.toString('latin1') : utf8;
}

function clean(text: string): string | undefined {
  const t = text.replace(/^[\s\0]+|[\s\0]+$/g, '');
  return t === '' ? undefined : t;
}

