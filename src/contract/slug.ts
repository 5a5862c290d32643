/**
 * The one slug function of piximmo, shared by the CLI (room folder names → room_type, src/core/plan/layout.ts
 * and room-aliases.ts) and the server (intent `room_type` / `stack_id`, src/server/lib/object-key.ts), so a
 * name gives the same slug on both sides (issue 9 / issue 10).
 *
 * Shape: `[a-z0-9-]`, no leading/trailing or doubled `-`, at most SLUG_MAX chars; "" when nothing is left
 * ("!!!", "日本"). German letters are spelled out (ä → ae, ö → oe, ü → ue, ß → ss, also upper case), other
 * Latin letters transliterated rather than dropped (ø → o, ł → l, œ → oe, æ → ae, ı → i, é → e), every other run
 * of characters (space, `_`, `.`, …) becomes one `-`. CamelCase is kept as one word ("WineCellar" →
 * "winecellar"). Built on @sindresorhus/slugify (its transliteration tables; pure ESM, bundles for workerd).
 */
import sindresorhusSlugify from '@sindresorhus/slugify';

/** Longest slug, chars (object keys stay short). */
export const SLUG_MAX = 64;

/** `name` as a slug (see the file comment); may return "". */
export function slugify(name: string): string {
  return sindresorhusSlugify(name.normalize('NFC'), { decamelize: false, lowercase: true, separator: '-' })
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
}
