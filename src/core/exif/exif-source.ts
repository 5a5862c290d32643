/**
 * Where a file's EXIF lives, for the containers exifr 7 cannot read in chunks itself:
 * Canon CR3 (ISO-BMFF: TIFF blocks CMT1/CMT2 in a Canon `uuid` box), Fujifilm RAF (EXIF in the
 * embedded JPEG preview) and PNG (an `eXIf` chunk, often after the image data, beyond exifr's chunks).
 * Reads only headers and the metadata blocks, never the image data. JPEG, HEIC/HEIF and TIFF-based RAW
 * (CR2, DNG, NEF, ARW, ORF, RW2) are read by exifr directly from the path.
 */
import type { FileHandle } from 'node:fs/promises';
import { boxAt } from './bmff-box.js';

/** Container format, from the first bytes of the file (its magic), not its name. */
export type ContainerFormat = 'jpeg' | 'tiff' | 'heif' | 'cr3' | 'raf' | 'png' | 'video' | 'unknown';

/** Bytes of the file head that {@link sniffFormat} needs. */
export const SNIFF_BYTES = 16;

/** Canon's metadata box in CR3 `moov`: uuid 85c0b687-820f-11e0-8111-f4ce462b6a48. */
const CANON_UUID = '85c0b687820f11e08111f4ce462b6a48';
/** Largest metadata block read (bytes): CMT boxes, eXIf chunks and RAF previews' EXIF stay far below. */
const MAX_BLOCK_BYTES = 1024 * 1024;
/** Boxes/chunks walked at most per level before giving up (a damaged file must not loop for long). */
const MAX_ENTRIES = 100_000;
/** ISO-BMFF brands of still images (exifr reads their EXIF); other brands are video (MOV/MP4). */
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'avif', 'avis']);

/** Container format of a file from its first {@link SNIFF_BYTES} bytes. */
export function sniffFormat(head: Buffer): ContainerFormat {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  const ascii = head.toString('latin1', 0, Math.min(head.length, 16));
  if (ascii.startsWith('\x89PNG\r\n\x1a\n')) return 'png';
  if (ascii.startsWith('FUJIFILMCCD-RAW')) return 'raf';
  // TIFF and its RAW children: II*\0 / MM\0*, Olympus ORF IIRO/IIRS, Panasonic RW2 IIU\0.
  if (/^(II\*\0|MM\0\*|IIRO|IIRS|IIU\0)/.test(ascii)) return 'tiff';
  const box = ascii.slice(4, 8);
  if (box === 'ftyp') {
    const brand = ascii.slice(8, 12);
    if (brand === 'crx ') return 'cr3';
    return HEIF_BRANDS.has(brand) ? 'heif' : 'video';
  }
  // QuickTime files without ftyp start with one of these atoms.
  if (['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(box)) return 'video';
  return 'unknown';
}

/**
 * The metadata blocks exifr should parse for a CR3, RAF or PNG file (each a TIFF block "II*\0…" or a
 * JPEG "\xFF\xD8…"), or [] when the file has none. Other formats → [].
 * For CR3 the blocks are CMT1 (IFD0: Make, Model) and CMT2 (the Exif IFD, stored as the IFD0 of its own TIFF).
 * @throws the fs error when the file cannot be read; never for damaged content (→ fewer blocks).
 */
export async function readEmbeddedExif(fh: FileHandle, format: ContainerFormat, fileBytes: number): Promise<Buffer[]> {
  switch (format) {
    case 'cr3':
      return cr3Blocks(fh, fileBytes);
    case 'raf':
      return rafPreview(fh, fileBytes);
    case 'png':
      return pngExif(fh, fileBytes);
    default:
      return [];
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** CR3: walk ISO-BMFF boxes `moov` → Canon `uuid` → `CMT1`, `CMT2`. */
async function cr3Blocks(fh: FileHandle, fileBytes: number): Promise<Buffer[]> {
  const blocks: Buffer[] = [];
  const moov = await findBox(fh, 0, fileBytes, (type) => type === 'moov');
  if (!moov) return blocks;
  const canon = await findBox(fh, moov.start, moov.end, (type, body) => type === 'uuid' && body === CANON_UUID);
  if (!canon) return blocks;
  for (const name of ['CMT1', 'CMT2']) {
    const box = await findBox(fh, canon.start + 16, canon.end, (type) => type === name);
    if (box && box.end - box.start <= MAX_BLOCK_BYTES) blocks.push(await readAt(fh, box.start, box.end - box.start));
  }
  return blocks;
}

/**
 * First ISO-BMFF box in [from, to) whose type (and, for `uuid` boxes, 16-byte user type as hex) matches.
 * Returns the byte range of its payload (after the header), or null.
 */
async function findBox(
  fh: FileHandle,
  from: number,
  to: number,
  match: (type: string, uuid: string) => boolean,
): Promise<{ start: number; end: number } | null> {
  let offset = from;
  for (let n = 0; n < MAX_ENTRIES && offset + 8 <= to; n++) {
    const head = await readAt(fh, offset, 32);
    const box = boxAt(head, offset, to);
    if (typeof box === 'string') return null;
    const header = box.body - offset;
    const uuid = box.type === 'uuid' && head.length >= header + 16 ? head.toString('hex', header, header + 16) : '';
    if (match(box.type, uuid)) return { start: box.body, end: box.end };
    offset = box.end;
  }
  return null;
}

/** RAF: the header holds the offset (byte 84) and length (byte 88) of a JPEG preview carrying the EXIF. */
async function rafPreview(fh: FileHandle, fileBytes: number): Promise<Buffer[]> {
  const header = await readAt(fh, 0, 92);
  if (header.length < 92) return [];
  const offset = header.readUInt32BE(84);
  const length = header.readUInt32BE(88);
  if (offset === 0 || offset >= fileBytes || length === 0) return [];
  // The EXIF APP1 segment sits at the start of the preview and is at most 64 KiB.
  return [await readAt(fh, offset, Math.min(length, fileBytes - offset, 128 * 1024))];
}

/** PNG: walk chunk headers (8 bytes each, data skipped) up to `eXIf` or `IEND`. */
async function pngExif(fh: FileHandle, fileBytes: number): Promise<Buffer[]> {
  let offset = 8;
  for (let n = 0; n < MAX_ENTRIES && offset + 12 <= fileBytes; n++) {
    const head = await readAt(fh, offset, 8);
    if (head.length < 8) return [];
    const size = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (type === 'IEND') return [];
    if (type === 'eXIf') return size > 0 && size <= MAX_BLOCK_BYTES ? [await readAt(fh, offset + 8, size)] : [];
    offset += 12 + size;
  }
  return [];
}
