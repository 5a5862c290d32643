/**
 * Is a file's container whole? (SPEC "CLI rules added in v2" → "Truncated files are never uploaded":
 * "a JPEG parses to its EOI marker, ISO-BMFF files (HEIC, MOV, MP4, CR3) have boxes that add up to the file
 * size, TIFF-based RAW (CR2, NEF, ARW, DNG, ORF, RW2) and RAF point inside the file. Otherwise `failed` with
 * `FILE_TRUNCATED` (watch: waits until it is whole).")
 *
 * The format is told by the file's first bytes, not by its extension (a HEIC named .jpg is still checked as
 * ISO-BMFF). Memory stays flat in the file size: only headers, box headers and IFDs are read, and the JPEG's
 * entropy-coded data is scanned in 64 KiB chunks.
 */
import { promises as fsp } from 'node:fs';
import { checkBmff } from './integrity-bmff.js';
import { checkJpeg } from './integrity-jpeg.js';
import { bufferSource, fileSource, headSource } from '../exif/makernotes/tiff.js';
import { type ByteSource, CHUNK, type ContainerCheck, notWhole, WHOLE } from './integrity-source.js';
import { checkRaf, checkTiff } from './integrity-tiff.js';

export type { ContainerCheck } from './integrity-source.js';

/** Bytes of a file's head the checks read at once (a small file whole; the marker segments of a large one). */
const CHECK_HEAD = 2 * CHUNK;

/**
 * Check that the file at `absPath` is a whole container of its format.
 *
 * @param absPath the file
 * @param bytes the size the caller saw (stat, in bytes); everything is checked against this size. A file that
 *   is now shorter than `bytes` is not whole ('file-shorter-than-size'); bytes past `bytes` are not looked at.
 * @returns `{whole: true}` for a whole file and for formats without a check (PNG is checked for its IEND
 *   chunk; unknown formats are whole); `{whole: false, reason}` otherwise.
 * @throws the fs error (ENOENT, EACCES, EISDIR, …) when the file cannot be opened or read.
 */
export async function checkContainer(absPath: string, bytes: number): Promise<ContainerCheck> {
  const handle = await fsp.open(absPath, 'r');
  try {
    return await checkSource(headSource(fileSource(handle, bytes), CHECK_HEAD));
  } finally {
    await handle.close();
  }
}

/**
 * {@link checkContainer} of a file already read whole into memory (core/transfer/file-prep.ts: a small file is
 * read once for the check and its SHA-256). `bytes` = the size the caller saw; `buf` holds what was read, and
 * a shorter `buf` is not whole ('file-shorter-than-size'), as on disk.
 */
export function checkContainerBytes(buf: Buffer, bytes: number): Promise<ContainerCheck> {
  if (buf.length < bytes) return Promise.resolve(notWhole('file-shorter-than-size'));
  return checkSource(bufferSource(buf.subarray(0, bytes)));
}

async function checkSource(src: ByteSource): Promise<ContainerCheck> {
  const bytes = src.size;
  const head = await src.read(0, Math.min(bytes, 32));
  if (head.length < Math.min(bytes, 32)) return notWhole('file-shorter-than-size');
  const verdict = await checkByFormat(src, head);
  if (!verdict.whole) return verdict;
  // A file shorter than the size the caller saw (truncated after the stat) is never whole.
  const last = await src.read(bytes - 1, 1);
  return bytes === 0 || last.length === 1 ? WHOLE : notWhole('file-shorter-than-size');
}

/** The format's check, chosen by magic bytes. */
async function checkByFormat(src: ByteSource, head: Buffer): Promise<ContainerCheck> {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return checkJpeg(src);
  if (head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE)) return checkPng(src);
  if (head.length >= 16 && head.subarray(0, 16).toString('latin1') === 'FUJIFILMCCD-RAW ') return checkRaf(src);
  if (head.length >= 8 && isTiffHeader(head)) return checkTiff(src, 0);
  if (head.length >= 8 && BMFF_FIRST_BOXES.has(head.subarray(4, 8).toString('latin1'))) return checkBmff(src);
  return WHOLE;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Box types an ISO-BMFF / QuickTime file starts with. */
const BMFF_FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot', 'styp']);

/**
 * "II" or "MM" and a TIFF magic: 42 (TIFF, CR2, NEF, ARW, DNG), 0x4F52 / 0x5352 (Olympus ORF "IIRO"/"IIRS"),
 * 0x55 (Panasonic RW2).
 */
function isTiffHeader(head: Buffer): boolean {
  const order = head.subarray(0, 2).toString('latin1');
  if (order !== 'II' && order !== 'MM') return false;
  const magic = order === 'II' ? head.readUInt16LE(2) : head.readUInt16BE(2);
  return magic === 42 || magic === 0x4f52 || magic === 0x5352 || magic === 0x55;
}

/** PNG: chunks (length, type, data, CRC) chain from byte 8 to an IEND chunk that fits in the file. */
async function checkPng(src: ByteSource): Promise<ContainerCheck> {
  let pos = 8;
  while (pos + 12 <= src.size) {
    const header = await src.read(pos, 8);
    if (header.length < 8) return notWhole('png-chunk-cut');
    const length = header.readUInt32BE(0);
    const end = pos + 12 + length;
    if (end > src.size) return notWhole('png-chunk-overruns');
    if (header.subarray(4, 8).toString('latin1') === 'IEND') return WHOLE;
    pos = end;
  }
  return notWhole('png-no-iend');
}
