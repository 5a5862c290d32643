/**
 * Which files the API accepts (SPEC error table: 415 UNSUPPORTED_MEDIA_TYPE "mime/extension not
 * allowed"): the extension must be in SERVER_ALLOWED_TYPES (src/contract/media.ts), and the declared
 * mime must be generic (application/octet-stream) or of the same family as the extension (image/* for
 * photos and RAW, video/* for videos) — a ".jpg" declared as text/html is refused.
 * The mime stored and signed is the declared one, or the extension's canonical one when generic.
 */
import { extensionOf, MIME_BY_EXT, SERVER_ALLOWED_TYPES } from '../../contract/media.js';
import { HttpError } from './errors.js';

export interface MediaType {
  /** Lower-case extension without the dot. */
  ext: string;
  /** Normalised mime (lower-case, no parameters). */
  mime: string;
}

const GENERIC = new Set(['application/octet-stream', 'binary/octet-stream']);

/** Throws HttpError 415 naming the file when extension or mime is not allowed. */
export function checkMediaType(filename: string, declaredMime: string): MediaType {
  const ext = extensionOf(filename);
  const mime = declaredMime.split(';')[0].trim().toLowerCase();
  const canonical = MIME_BY_EXT[ext];
  if (!ext || !SERVER_ALLOWED_TYPES.includes(ext) || !canonical) {
    throw new HttpError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${filename}: file type ".${ext}" is not accepted (allowed: ${SERVER_ALLOWED_TYPES.join(', ')})`,
      { field: 'filename', extension: ext, allowed: SERVER_ALLOWED_TYPES },
    );
  }
  if (GENERIC.has(mime)) return { ext, mime: canonical };
  const family = canonical.split('/')[0];
  if (!/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(mime) || mime.split('/')[0] !== family) {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `${filename}: mime "${declaredMime}" does not fit ".${ext}" (expected ${family}/*)`, {
      field: 'mime',
      mime: declaredMime,
      extension: ext,
    });
  }
  return { ext, mime };
}
