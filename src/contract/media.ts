/**
 * Media types by extension, shared by client (allow-list, mime on intent) and server (415 check).
 * SPEC v2 "CLI rules added in v2 → Types": the default allow-list is the seed's plus the common RAW formats,
 * on the server too.
 */
export const MIME_BY_EXT: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  heic: 'image/heic',
  heif: 'image/heif',
  dng: 'image/x-adobe-dng',
  cr3: 'image/x-canon-cr3',
  cr2: 'image/x-canon-cr2',
  nef: 'image/x-nikon-nef',
  arw: 'image/x-sony-arw',
  raf: 'image/x-fujifilm-raf',
  rw2: 'image/x-panasonic-rw2',
  orf: 'image/x-olympus-orf',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
};

/** SPEC v2: the default allow-list — the seed's (jpg … mov) plus the common RAW formats. */
export const DEFAULT_TYPES: readonly string[] = ['jpg', 'jpeg', 'png', 'heic', 'dng', 'mp4', 'mov', 'cr2', 'cr3', 'nef', 'arw', 'raf', 'rw2', 'orf'];

/** SPEC: the common RAW formats (`--types raw` names them all; all are in DEFAULT_TYPES since v2). */
export const RAW_TYPES: readonly string[] = ['cr3', 'cr2', 'nef', 'arw', 'raf', 'rw2', 'orf', 'dng'];

/** Server-side: every extension the API accepts (images, RAW, video). */
export const SERVER_ALLOWED_TYPES: readonly string[] = [...new Set([...DEFAULT_TYPES, ...RAW_TYPES, 'heif'])];

/** Lower-case extension without the dot, "" when none. */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  if (dot <= 0 || dot === filename.length - 1) return '';
  return filename.slice(dot + 1).toLowerCase();
}

export function mimeFor(filename: string): string {
  return MIME_BY_EXT[extensionOf(filename)] ?? 'application/octet-stream';
}
