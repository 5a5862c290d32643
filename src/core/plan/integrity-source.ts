/**
 * What the container checks in integrity*.ts share: the verdict type and the chunk size. Their reads go
 * through the EXIF reader's ByteSource (core/exif/makernotes/tiff.ts: positioned reads that never pass
 * the size the caller saw and never hold more than one read's bytes).
 */
export type { ByteSource } from '../exif/makernotes/tiff.js';


/**
 * The verdict: whole, or not whole with a short code-like English reason ('jpeg-no-eoi',
 * 'bmff-box-overruns', 'tiff-offset-outside', 'raf-offset-outside', 'png-no-iend', 'file-shorter-than-size', …).
 */
export type ContainerCheck = { whole: true } | { whole: false; reason: string };

export const WHOLE: ContainerCheck = { whole: true };

export function notWhole(reason: string): ContainerCheck {
  return { whole: false, reason };
}

/** Read size of one chunk while scanning JPEG entropy-coded data, in bytes. */
export const CHUNK = 64 * 1024;
