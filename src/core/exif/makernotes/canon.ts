/**
 * ISO from Canon maker notes, for cameras that write no EXIF ISO tag (older PowerShots, e.g. the S40).
 *
 * Canon maker notes are a plain IFD whose value offsets are relative to the TIFF header, like the EXIF
 * IFDs (ExifTool Canon.pm, "Canon maker notes"). Two of its tags are binary tables of int16s, indexed
 * from the table start (index 0 is the table's own byte length):
 * - 0x0001 CameraSettings, index 16 = CameraISO (ExifTool `Canon::CameraISO`): 0x7fff = none;
 *   bit 0x4000 set = the ISO itself in the low 14 bits; else a code 15 = Auto, 16 = 50, 17 = 100,
 *   18 = 200, 19 = 400, 20 = 800 (0 = n/a, 14 = Auto High).
 * - 0x0004 ShotInfo, index 1 = AutoISO = exp(v/32·ln 2)·100, index 2 = BaseISO = exp(v/32·ln 2)·100/32
 *   (0 = none).
 * The ISO is ExifTool's Composite:ISO for Canon: CameraISO when it is a number, else BaseISO × AutoISO / 100.
 */
import type { Tiff } from './tiff.js';

const CAMERA_SETTINGS = 0x0001;
const SHOT_INFO = 0x0004;

/** CameraISO codes that stand for a number (ExifTool `Canon::CameraISO` %isoLookup). */
const ISO_CODES: Record<number, number> = { 16: 50, 17: 100, 18: 200, 19: 400, 20: 800 };

/**
 * The ISO recorded in the Canon maker-note IFD at `offset` (from the TIFF header), or undefined when the
 * maker notes hold none (or are damaged). Rounded to a whole number, as ExifTool prints it.
 * @throws the source's read error
 */
export async function canonMakerNoteIso(tiff: Tiff, offset: number): Promise<number | undefined> {
  const entries = await tiff.readIfd(offset);
  const settings = entries.find((e) => e.tag === CAMERA_SETTINGS);
  const shot = entries.find((e) => e.tag === SHOT_INFO);
  const cameraIso = settings ? cameraIsoValue((await tiff.int16s(settings))[16]) : undefined;
  if (cameraIso !== undefined) return cameraIso;
  if (!shot) return undefined;
  const info = await tiff.int16s(shot);
  const iso = isoFromShotInfo(info[2], info[1]);
  return iso === undefined ? undefined : Math.round(iso);
}

/**
 * CameraSettings[16] → ISO, or undefined when it is absent, "Auto"-like or unknown
 * (ExifTool: the composite uses CameraISO only when it is numerical).
 */
export function cameraIsoValue(raw: number | undefined): number | undefined {
  if (raw === undefined || raw === 0x7fff) return undefined;
  const code = raw & 0xffff; // int16s in the table; the flag is tested on the unsigned bits
  if (code & 0x4000) {
    const iso = code & 0x3fff;
    return iso > 0 ? iso : undefined;
  }
  return ISO_CODES[code];
}

/**
 * ShotInfo BaseISO (index 2) and AutoISO (index 1) raw values → BaseISO × AutoISO / 100, unrounded;
 * undefined when BaseISO is absent or 0 (ExifTool's RawConv drops it) or AutoISO is absent.
 */
export function isoFromShotInfo(baseRaw: number | undefined, autoRaw: number | undefined): number | undefined {
  if (!baseRaw || autoRaw === undefined) return undefined;
  const base = (Math.exp((baseRaw / 32) * Math.LN2) * 100) / 32;
  const auto = Math.exp((autoRaw / 32) * Math.LN2) * 100;
  return (base * auto) / 100;
}
