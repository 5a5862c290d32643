/**
 * EXIF of one file → the `exif_meta` sent at finalize (SPEC "Per file": "EXIF (exifr: make, model, focal,
 * iso, shutter, aperture, capture time, exposure compensation)").
 *
 * Reads only the metadata: exifr reads a JPEG's EXIF from the head read for the format sniff (jpeg-head.ts),
 * HEIC/HEIF and TIFF-based RAW (CR2, DNG, NEF, ARW, ORF, RW2) in small chunks from the path; CR3, RAF and
 * PNG metadata blocks are located first (exif-source.ts).
 * Where a Canon camera wrote no EXIF ISO tag, the ISO comes from its maker notes (exif-makernote.ts).
 * Videos (MOV, MP4) carry no EXIF: their QuickTime metadata is read instead (exif-quicktime.ts: make,
 * model, creation time, Pentax exposure values), and a video without any gives empty meta, no warning.
 */
import { statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import exifr from 'exifr';
import type { ExifMeta } from '../../contract/api.js';
import { readMakerNote } from './exif-makernote.js';
import { readQuickTimeMeta } from './exif-quicktime.js';
import { localDateTime } from './local-date-time.js';
import { readEmbeddedExif, sniffFormat, type ContainerFormat } from './exif-source.js';
import { headBuffers, jpegExifInHead } from './jpeg-head.js';
import { readFileAt } from '../read-fully.js';
import { bufferSource, fileSource } from './makernotes/tiff.js';

export interface ExifReadResult {
  meta: ExifMeta;
  /** English; set when the file's metadata could not be read (damaged, unknown format, no EXIF in a photo). */
  warning?: string;
}

/** TIFF/EXIF tag numbers read (EXIF 2.32, TIFF 6, DNG 1.6; Panasonic RW2 for its ISO). */
const TAG = {
  Make: 0x010f,
  Model: 0x0110,
  PanasonicISO: 0x0017,
  CameraSerialNumber: 0xc62f,
  ExposureTime: 0x829a,
  FNumber: 0x829d,
  ISO: 0x8827,
  SensitivityType: 0x8830,
  RecommendedExposureIndex: 0x8832,
  ISOSpeed: 0x8833,
  DateTimeOriginal: 0x9003,
  SubSecTimeOriginal: 0x9291,
  ExposureBias: 0x9204,
  FocalLength: 0x920a,
  BodySerialNumber: 0xa431,
} as const;

const WANTED = Object.values(TAG);

/**
 * exifr options: only IFD0 and the Exif IFD, only the wanted tags, raw values (numeric keys, no
 * translation, no Date revival — so no time-zone shift), chunked reads from the path.
 * Every wanted tag is picked in both blocks: CR3 stores its Exif IFD as the IFD0 of a TIFF of its own.
 */
const EXIFR_OPTIONS = {
  ifd0: { pick: WANTED },
  exif: { pick: WANTED },
  ifd1: false,
  gps: false,
  interop: false,
  makerNote: false,
  userComment: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  translateKeys: false,
  translateValues: false,
  reviveValues: false,
  mergeOutput: false,
  silentErrors: true,
  chunked: true,
  firstChunkSize: 64 * 1024,
  chunkSize: 64 * 1024,
  chunkLimit: 8,
};

type Tags = Map<number, unknown>;

/**
 * EXIF of the file at `absPath`. Never throws: an unreadable or damaged file gives `{ meta: {}, warning }`,
 * a file with some fields missing gives just the fields found. Reads at most a few hundred KiB of the file.
 * `knownSize` (bytes, the scan's) spares a stat. A JPEG whose EXIF lies in its first HEAD_BYTES — every camera
 * JPEG of the samples — costs one open, read and close (read-fully.ts readFileAt: issue 15, the CPU a small file
 * costs); other formats open the file again for their boxes, previews or maker notes.
 */
export async function readExif(absPath: string, knownSize?: number): Promise<ExifReadResult> {
  // The head read serves the format sniff and, for a JPEG, exifr itself (jpeg-head.ts); it goes back to the
  // pool once exifr and the maker-note reader are done with it (toMeta keeps no view of it).
  const head = headBuffers.take();
  let fh: FileHandle | undefined;
  let meta: ExifMeta;
  try {
    let read: Buffer;
    let size: number;
    try {
      size = knownSize ?? statSync(absPath).size;
      read = head.subarray(0, await readFileAt(absPath, head, 0));
    } catch (err) {
      return { meta: {}, warning: `Could not open or read the file for its metadata (${errorText(err)}).` };
    }
    const format = sniffFormat(read);
    if (format === 'unknown') return { meta: {}, warning: 'Not a recognised photo format (the file may be damaged); no metadata read.' };
    const inHead = format === 'jpeg' && jpegExifInHead(read, size);
    const file = async (): Promise<FileHandle> => (fh ??= await open(absPath, 'r'));
    if (format === 'video') return { meta: await videoMeta(await file(), size) };
    const sources: (string | Buffer)[] =
      format === 'cr3' || format === 'raf' || format === 'png' ? await readEmbeddedExif(await file(), format, size) : inHead ? [read] : [absPath];
    const tags: Tags = new Map();
    for (const source of sources) mergeTags(tags, await exifr.parse(source, EXIFR_OPTIONS));
    meta = toMeta(tags);
    if (meta.iso === undefined && meta.make) {
      const iso = await makerNoteIso(file, size, format, sources, meta.make);
      if (iso !== undefined) meta = { ...meta, iso };
    }
  } catch (err) {
    return { meta: {}, warning: `The file's metadata could not be read (${errorText(err)}); it may be damaged.` };
  } finally {
    await fh?.close().catch(() => undefined);
    headBuffers.release(head);
  }
  if (Object.keys(meta).length === 0) return { meta, warning: 'No EXIF metadata found (camera, exposure and capture time unknown); the photo may have none, or be damaged.' };
  return { meta };
}

/**
 * ISO from the maker notes (only called when the EXIF ISO tag is absent): JPEG and TIFF-based files are
 * read from the file, embedded blocks (CR3, RAF, PNG) from memory; HEIF is not searched. Damaged maker
 * notes give undefined, never an error.
 */
async function makerNoteIso(
  file: () => Promise<FileHandle>,
  size: number,
  format: ContainerFormat,
  sources: (string | Buffer)[],
  make: string,
): Promise<number | undefined> {
  if (format === 'heif') return undefined;
  for (const source of sources) {
    const src = typeof source === 'string' ? fileSource(await file(), size) : bufferSource(source);
    const { iso } = await readMakerNote(src, make).catch(() => ({ iso: undefined }));
    if (iso !== undefined) return Math.round(iso);
  }
  return undefined;
}

/** Video metadata in wire form (rounded as for photos); damaged atoms give fewer fields, never an error. */
async function videoMeta(fh: FileHandle, size: number): Promise<ExifMeta> {
  const raw = await readQuickTimeMeta(fileSource(fh, size)).catch((): ExifMeta => ({}));
  const meta: ExifMeta = {};
  if (raw.make) meta.make = raw.make;
  if (raw.model) meta.model = raw.model;
  if (raw.focal !== undefined && raw.focal > 0) meta.focal = round(raw.focal, 2);
  if (raw.iso !== undefined && raw.iso > 0) meta.iso = Math.round(raw.iso);
  if (raw.exposure_time !== undefined && raw.exposure_time > 0) {
    meta.exposure_time = raw.exposure_time;
    meta.shutter = formatShutter(raw.exposure_time);
  }
  if (raw.aperture !== undefined && raw.aperture > 0) meta.aperture = round(raw.aperture, 2);
  if (raw.captured_at) meta.captured_at = raw.captured_at;
  if (raw.ev !== undefined) meta.ev = round(raw.ev, 2) + 0;
  return meta;
}

/** Copy IFD0 and Exif IFD tags of one exifr result (numeric keys) into `into`; first value wins. */
function mergeTags(into: Tags, parsed: unknown): void {
  if (typeof parsed !== 'object' || parsed === null) return;
  for (const block of ['ifd0', 'exif']) {
    const values = (parsed as Record<string, unknown>)[block];
    if (typeof values !== 'object' || values === null) continue;
    for (const [key, value] of Object.entries(values)) {
      const tag = Number(key);
      if (Number.isInteger(tag) && !into.has(tag)) into.set(tag, value);
    }
  }
}

/** The wire meta from raw tag values; fields whose value is missing or implausible are left out. */
function toMeta(tags: Tags): ExifMeta {
  const meta: ExifMeta = {};
  const make = text(tags.get(TAG.Make));
  if (make) meta.make = shared(make);
  const model = text(tags.get(TAG.Model));
  if (model) meta.model = shared(model);
  const serial = text(tags.get(TAG.BodySerialNumber)) ?? text(tags.get(TAG.CameraSerialNumber));
  if (serial) meta.serial = shared(serial);
  const focal = positive(tags.get(TAG.FocalLength));
  if (focal !== undefined) meta.focal = round(focal, 2);
  const iso = isoOf(tags, make);
  if (iso !== undefined) meta.iso = iso;
  const exposure = positive(tags.get(TAG.ExposureTime));
  if (exposure !== undefined) {
    meta.exposure_time = exposure;
    meta.shutter = shared(formatShutter(exposure));
  }
  const aperture = positive(tags.get(TAG.FNumber));
  if (aperture !== undefined) meta.aperture = round(aperture, 2);
  const captured = capturedAt(tags);
  if (captured) meta.captured_at = captured;
  const subsec = captured ? subsecMs(tags.get(TAG.SubSecTimeOriginal)) : undefined;
  if (subsec !== undefined) meta.captured_subsec_ms = subsec;
  const ev = num(tags.get(TAG.ExposureBias));
  if (ev !== undefined && Math.abs(ev) <= 20) meta.ev = round(ev, 2) + 0; // + 0 turns -0 into 0
  return meta;
}

/** Distinct strings kept by {@link shared}; beyond this many, further strings are returned as they are. */
const SHARED_MAX = 512;
const sharedStrings = new Map<string, string>();

/**
 * One copy of a string that repeats from file to file (make, model, serial, shutter): a plan of 20,000
 * frames of one camera holds each once, not 20,000 times (issue 15: memory flat in the number of files).
 */
function shared(s: string): string {
  const known = sharedStrings.get(s);
  if (known !== undefined) return known;
  if (sharedStrings.size < SHARED_MAX) sharedStrings.set(s, s);
  return s;
}

/**
 * ISO: the EXIF ISO tag; when it holds 65535 (EXIF 2.3: "the value is 65535 or more") the exact
 * ISOSpeed / RecommendedExposureIndex; for Panasonic/Leica RW2 files, their own ISO tag in IFD0.
 */
function isoOf(tags: Tags, make: string | undefined): number | undefined {
  let iso = positive(tags.get(TAG.ISO));
  if (iso === undefined || iso === 65535) {
    iso = positive(tags.get(TAG.ISOSpeed)) ?? positive(tags.get(TAG.RecommendedExposureIndex)) ?? iso;
  }
  if (iso === undefined && make && /panasonic|leica/i.test(make)) iso = positive(tags.get(TAG.PanasonicISO));
  return iso === undefined ? undefined : Math.round(iso);
}

/**
 * DateTimeOriginal "YYYY:MM:DD HH:MM:SS" as ISO 8601 local time without zone "YYYY-MM-DDTHH:MM:SS"
 * (the camera's clock as shown on the camera; sub-seconds go to `captured_subsec_ms`, OffsetTimeOriginal is
 * not read).
 * Taken as text, never through Date: no time-zone shift. Blank or zeroed dates → undefined (local-date-time.ts).
 */
function capturedAt(tags: Tags): string | undefined {
  return localDateTime(text(tags.get(TAG.DateTimeOriginal)));
}

/**
 * SubSecTimeOriginal (EXIF 2.32 0x9291: ASCII digits, the fraction of DateTimeOriginal's second, "54" =
 * 0.54 s) → whole ms 0–999 (truncated, never rounded up into the next second); undefined when absent or
 * not digits.
 */
function subsecMs(v: unknown): number | undefined {
  const digits = typeof v === 'string' ? v.replace(/[\s\0]+$/g, '').trim() : typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v) : '';
  if (!/^\d{1,9}$/.test(digits)) return undefined;
  return Math.min(999, Math.floor(Number(`0.${digits}`) * 1000 + 1e-6));
}

/**
 * Exposure time in seconds as a photographer writes it: below 1 s a fraction "1/N" (N rounded to a
 * whole number from 1/3 s down, to one decimal above it: "1/2", "1/1.3", "1/2.5", "1/4000");
 * from 1 s plain seconds with at most one decimal ("1", "1.3", "4", "30").
 */
export function formatShutter(seconds: number): string {
  if (seconds >= 1) return String(round(seconds, 1));
  const n = 1 / seconds;
  return `1/${n >= 2.95 ? Math.round(n) : round(n, 1)}`;
}

/** Trimmed text (NULs and spaces at either end removed); undefined when empty or not text. */
function text(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.replace(/^[\s\0]+|[\s\0]+$/g, '');
  return t === '' ? undefined : t;
}

/** A finite number (the first one of an array, as some cameras write ISO [100, 0]). */
function num(v: unknown): number | undefined {
  const n = Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<unknown>)[0] : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function positive(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && n > 0 ? n : undefined;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}
