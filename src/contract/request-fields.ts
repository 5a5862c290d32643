/**
 * Field schemas (valibot) the request schemas of src/contract/requests.ts are built from, each with the
 * message the server answers in 400 VALIDATION_FAILED (SPEC "API": "details name the field"). The messages
 * are the ones the hand-written parsers gave before issue 9, so clients and tests read the same text.
 */
import * as v from 'valibot';
import { isPrintable, unprintableChar } from './limits.js';

/** Required non-empty (after trim) string of at most `max` chars. */
export function reqString(field: string, max = 1024) {
  const required = `${field} is required (non-empty string)`;
  return v.pipe(
    v.string(required),
    v.check((s) => s.trim() !== '', required),
    v.maxLength(max, `${field} is longer than ${max} characters`),
  );
}

/** Optional string of at most `max` chars; absent or null both mean "not given". */
export function optString(field: string, max = 256) {
  return v.nullish(v.pipe(v.string(`${field} must be a string`), v.maxLength(max, `${field} is longer than ${max} characters`)));
}

/** Required safe integer >= `min`. */
export function reqInt(field: string, min = 0) {
  const msg = `${field} is required (integer >= ${min})`;
  return v.pipe(v.number(msg), v.safeInteger(msg), v.minValue(min, msg));
}

/** Optional safe integer >= `min`; absent or null mean "not given". */
export function optInt(field: string, min = 1) {
  const msg = `${field} must be an integer >= ${min}`;
  return v.nullish(v.pipe(v.number(msg), v.safeInteger(msg), v.minValue(min, msg)));
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** SHA-256 as 64 hex chars; the output is lower-case. */
export function sha256(field: string) {
  const msg = `${field} must be a SHA-256 as 64 hex characters`;
  return v.pipe(v.string(msg), v.regex(SHA256_HEX, msg), v.toLowerCase());
}

/**
 * Required file name of at most `max` chars: a name, not a path (no / or \), and printable (see above;
 * the 400's `details.char` names the first bad character as "U+XXXX").
 */
export function fileName(field: string, max = 255) {
  return v.pipe(
    reqString(field, max),
    v.check((s) => !/[/\\]/.test(s), `${field} must be a plain file name (no path)`),
    v.check(isPrintable, (issue) => `${field} contains a control, bidirectional or separator character (${unprintableChar(String(issue.input))}); rename the file`),
  );
}

/** Largest exif_meta accepted at finalize, bytes of its JSON. */
export const MAX_EXIF_JSON = 16 * 1024;
