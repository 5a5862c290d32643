/**
 * One reading of a camera's date text, for EXIF DateTimeOriginal ("YYYY:MM:DD HH:MM:SS", exif.ts) and
 * QuickTime dates ("YYYY-MM-DDTHH:MM:SS+0100", `©day`, com.apple.quicktime.creationdate; exif-quicktime.ts).
 */

/**
 * "YYYY-MM-DDTHH:MM:SS…" (or with a space, or EXIF colons in the date) → "YYYY-MM-DDTHH:MM:SS", ISO 8601
 * local time without zone: the clock value as written, zone and fractions dropped. Taken as text, never
 * through Date (no time-zone shift). Undefined for blank, zeroed ("0000:00:00 …") or partial ("2010") dates.
 */
export function localDateTime(text: string | undefined): string | undefined {
  const m = text && /^(\d{4})[-:](\d{2})[-:](\d{2})[T ](\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m || m[1] === '0000' || m[2] === '00' || m[3] === '00') return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}
