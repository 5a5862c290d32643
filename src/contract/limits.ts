/**
 * Plain limits and value sets of the wire contract, without valibot, so the CLI can import them at start-up
 * without building the request schemas (those live in requests.ts and are built from these).
 * Sources: SPEC "API", "Contract v2" ("Listing", "Previews", "File lifecycle", "Hardening").
 */

/** Most files one POST /api/uploads/intents may carry. */
export const MAX_BATCH_INTENTS = 50;
/** Most files one POST /api/uploads/finalize-batch may carry (SPEC v2). */
export const MAX_BATCH_FINALIZE = 50;
/**
 * Most orders one POST /api/uploads/finalize-batch may ask a closing check of (`closing_check`, issue 15: the
 * run's last batch brings back what the closing check would ask for, one round trip less at the end of a run).
 */
export const MAX_CLOSING_ORDERS = 10;
/** Most files one page of GET /api/orders/:id/files lists, and its default (SPEC v2). */
export const MAX_LIST_PAGE = 1000;
/** SPEC v2 file lifecycle states, the values of the listing's `status` filter. */
export const FILE_STATUS_NAMES = ['uploaded', 'processing', 'ready', 'failed', 'infected', 'deleted', 'superseded'] as const;
/** SPEC v2 "Previews" sizes. */
export const PREVIEW_SIZE_NAMES = ['small', 'medium', 'large', 'original'] as const;

/**
 * Characters never accepted in a name shown to people (SPEC v2 "Hardening"): C0 controls, DEL, C1
 * controls, bidirectional controls U+202A–202E and U+2066–2069, the separators U+2028/U+2029, and U+FEFF.
 * The server refuses them in names (requests.ts); the CLI escapes them before printing (cli/render/visible.ts).
 */
export const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u2028\u2029\uFEFF]/;

/** The first unprintable character of `s` as "U+XXXX", or null. */
export function unprintableChar(s: string): string | null {
  const m = UNPRINTABLE.exec(s);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/**
 * The check behind every "no control characters" rule. The server names the character it found in
 * `details.char` when an issue comes from this very function (src/server/lib/valid.ts).
 */
export function isPrintable(s: string): boolean {
  return !UNPRINTABLE.test(s);
}
