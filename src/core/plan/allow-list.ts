/**
 * The allow-list of file types: `--types` parsing and the flag that adds a type (SPEC v2 "CLI rules added in
 * v2 → Types": the default list is the seed's plus the common RAW formats; files skipped for their type are
 * summed up per extension "with count and the flag that adds it").
 */
import { DEFAULT_TYPES, MIME_BY_EXT, RAW_TYPES } from '../../contract/media.js';

/**
 * The allow-list from a `--types` value.
 *
 * - undefined → the default list (`DEFAULT_TYPES`: jpg, jpeg, png, heic, dng, mp4, mov and the RAW formats).
 * - "jpg,jpeg,png" → exactly those (case-insensitive, spaces and leading dots ignored: ".JPG, png").
 * - "+tif,+raw" → the default list plus those (every entry must then start with "+").
 * - "raw" stands for every RAW format (`RAW_TYPES`); "jpg"/"jpeg" and "tif"/"tiff" each bring their twin.
 *
 * Returns lower-case extensions without dots, without duplicates, in the order given (defaults first).
 * @throws Error naming the entry for an unknown type (known: the keys of MIME_BY_EXT, and "raw"),
 *   for an empty list, or for a list mixing "+type" and plain entries.
 */
export function parseTypes(spec: string | undefined): string[] {
  if (spec === undefined) return [...DEFAULT_TYPES];
  const entries = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (entries.length === 0) throw new Error(`--types is empty; give a comma list such as jpg,png or +tif (default: ${DEFAULT_TYPES.join(',')}).`);
  const additive = entries.filter((e) => e.startsWith('+')).length;
  if (additive > 0 && additive < entries.length) {
    throw new Error(`--types "${spec}" mixes "+type" and plain types; either list every type (jpg,cr3) or only additions (+tif,+raw).`);
  }
  const out = new Set<string>(additive > 0 ? DEFAULT_TYPES : []);
  for (const entry of entries) {
    const t = entry.replace(/^\+/, '').replace(/^\.+/, '').toLowerCase();
    if (t === 'raw') RAW_TYPES.forEach((r) => out.add(r));
    else if (t in MIME_BY_EXT) (TWINS[t] ?? [t]).forEach((x) => out.add(x));
    else throw new Error(`Unknown file type "${entry}" in --types; known types: ${Object.keys(MIME_BY_EXT).join(', ')}, raw.`);
  }
  return [...out];
}

/** Two spellings of one format: asking for one allows both. */
const TWINS: Readonly<Record<string, readonly string[]>> = {
  jpg: ['jpg', 'jpeg'],
  jpeg: ['jpeg', 'jpg'],
  tif: ['tif', 'tiff'],
  tiff: ['tiff', 'tif'],
};

/** Whether `types` is the default list (in any order). */
export function isDefaultTypes(types: readonly string[]): boolean {
  return types.length === DEFAULT_TYPES.length && DEFAULT_TYPES.every((t) => types.includes(t));
}

/**
 * The `--types` value that adds `ext` to `types`: "+tif" when `types` is the default list, else the full
 * list with `ext` ("jpg,heic,tif"); null when `ext` is no type piximmo uploads at all (".txt").
 */
export function flagAdding(ext: string, types: readonly string[]): string | null {
  if (!(ext in MIME_BY_EXT)) return null;
  return isDefaultTypes(types) ? `+${ext}` : [...types, ext].join(',');
}

