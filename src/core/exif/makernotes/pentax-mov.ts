/**
 * Pentax's proprietary `TAGS` atom in QuickTime videos (moov/udta/TAGS), as ExifTool reads it: QuickTime.pm
 * sends a TAGS atom starting "PENTAX DIGITAL CAMERA\0" to table `%Image::ExifTool::Pentax::MOV`, little-endian,
 * byte offsets from the start of the atom's data:
 * 0x00 Make string[24] · 0x26 ExposureTime int32u (seconds = 10 / value; 0 = none) · 0x2a FNumber
 * rational64u · 0x32 ExposureCompensation rational64s · 0x48 FocalLength rational64u (mm) · 0xaf ISO int16u.
 */
import type { ExifMeta } from '../../../contract/api.js';

/** The signature ExifTool tests for (QuickTime.pm, TAGS → PentaxTags). */
export const PENTAX_TAGS_SIGNATURE = 'PENTAX DIGITAL CAMERA\0';
/** Bytes of the table read (ISO, the last field, ends at 0xb1). */
export const PENTAX_TAGS_BYTES = 0xb1;

/**
 * Camera values of a Pentax TAGS atom's data (`data` = the atom payload, at least its first 0xb1 bytes),
 * or {} when the data does not start with the Pentax signature. Fields whose raw value is 0 or whose
 * rational has a 0 denominator are left out. Values in wire units: seconds, mm, EV.
 */
export function parsePentaxTags(data: Buffer): Partial<Pick<ExifMeta, 'make' | 'exposure_time' | 'aperture' | 'ev' | 'focal' | 'iso'>> {
  if (data.length < PENTAX_TAGS_SIGNATURE.length || data.toString('latin1', 0, PENTAX_TAGS_SIGNATURE.length) !== PENTAX_TAGS_SIGNATURE) return {};
  const out: ReturnType<typeof parsePentaxTags> = {};
  const make = data.toString('latin1', 0, Math.min(24, data.length)).replace(/\0.*$/s, '').trim();
  if (make) out.make = make;
  const exposure = u32(data, 0x26);
  if (exposure) out.exposure_time = 10 / exposure;
  const aperture = rational(data, 0x2a, false);
  if (aperture) out.aperture = aperture;
  const ev = rational(data, 0x32, true);
  if (ev !== undefined && Math.abs(ev) <= 20) out.ev = ev + 0;
  const focal = rational(data, 0x48, false);
  if (focal) out.focal = focal;
  if (data.length >= 0xaf + 2) {
    const iso = data.readUInt16LE(0xaf);
    if (iso) out.iso = iso;
  }
  return out;
}

function u32(data: Buffer, at: number): number | undefined {
  return data.length >= at + 4 ? data.readUInt32LE(at) : undefined;
}

/** A rational64u/s at `at`: numerator / denominator; undefined when out of range or the denominator is 0. */
function rational(data: Buffer, at: number, signed: boolean): number | undefined {
  if (data.length < at + 8) return undefined;
  const num = signed ? data.readInt32LE(at) : data.readUInt32LE(at);
  const den = signed ? data.readInt32LE(at + 4) : data.readUInt32LE(at + 4);
  return den === 0 ? undefined : num / den;
}
