/**
 * SPEC v2 "Previews": JPEG previews by longest side — small 200, medium 400, large 800, original ≤ 1200 px —
 * aspect kept, never enlarged (a source smaller than a size gives that size at the source's own pixels).
 * Stored beside the originals under `previews/<file_id>/<size>.jpg` (housekeeping removes the prefix with
 * the original).
 */
import { PREVIEW_SIZE_NAMES } from '../../contract/limits.js';

/** The contract's sizes (src/contract/limits.ts). */
export const PREVIEW_SIZES = PREVIEW_SIZE_NAMES;
export type PreviewSize = (typeof PREVIEW_SIZES)[number];

/** Longest side in px of each size (an upper bound for `original`). */
export const PREVIEW_LONGEST: Readonly<Record<PreviewSize, number>> = { small: 200, medium: 400, large: 800, original: 1200 };

export function isPreviewSize(v: unknown): v is PreviewSize {
  return typeof v === 'string' && (PREVIEW_SIZES as readonly string[]).includes(v);
}

export const previewPrefix = (fileId: string): string => `previews/${fileId}/`;
export const previewKey = (fileId: string, size: PreviewSize): string => `${previewPrefix(fileId)}${size}.jpg`;

/** The pixel size a preview of `size` has for an (upright) source of width × height. */
export function previewDimensions(width: number, height: number, size: PreviewSize): { width: number; height: number } {
  const longest = Math.max(width, height);
  const target = Math.min(PREVIEW_LONGEST[size], longest);
  if (target === longest) return { width, height };
  const f = target / longest;
  return width >= height
    ? { width: target, height: Math.max(1, Math.round(height * f)) }
    : { width: Math.max(1, Math.round(width * f)), height: target };
}
