/**
 * Values that some cameras write only in their maker notes (EXIF tag 0x927C in the Exif IFD), which
 * exifr does not parse. Today: the ISO of Canon cameras without an EXIF ISO tag (makernotes/canon.ts).
 * Reads the TIFF header, IFD0, the Exif IFD and the maker-note IFD by positioned reads: a few KiB at most.
 */
import { canonMakerNoteIso } from './makernotes/canon.js';
import { locateTiff, type ByteSource } from './makernotes/tiff.js';

/** EXIF 2.32: Exif IFD pointer (in IFD0) and MakerNote (in the Exif IFD). */
const EXIF_IFD_POINTER = 0x8769;
const MAKER_NOTE = 0x927c;

/** What the maker notes add; every field optional. */
export interface MakerNoteValues {
  iso?: number;
}

/**
 * Maker-note values of the EXIF in `src` (a JPEG, a TIFF-based file or a bare TIFF block) for a camera
 * of make `make` (IFD0 Make). Makes without a parser, files without maker notes and damaged maker notes
 * give {}. @throws the source's read error
 */
export async function readMakerNote(src: ByteSource, make: string): Promise<MakerNoteValues> {
  if (!/^canon\b/i.test(make.trim())) return {};
  const tiff = await locateTiff(src);
  if (!tiff) return {};
  const ifd0 = await tiff.readIfd(tiff.ifd0);
  const pointer = ifd0.find((e) => e.tag === EXIF_IFD_POINTER);
  const exifOffset = pointer ? await tiff.long(pointer) : undefined;
  if (exifOffset === undefined) return {};
  const note = (await tiff.readIfd(exifOffset)).find((e) => e.tag === MAKER_NOTE);
  if (!note || note.count < 2) return {};
  const iso = await canonMakerNoteIso(tiff, note.valueOffset);
  return iso !== undefined && iso > 0 ? { iso } : {};
}
