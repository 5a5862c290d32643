/**
 * Request-body validation helpers. Every failure throws ApiError 400 VALIDATION_FAILED with
 * `details.field` naming the offending field (SPEC error table).
 */
import type { Context } from 'hono';
import { ApiError, invalid } from './errors.js';

export type Json = Record<string, unknown>;

/** Parses the body as a JSON object; 400 (field "body") when it is not one. */
export async function jsonBody(c: Context): Promise<Json> {
  let v: unknown;
  try {
    v = await c.req.json();
  } catch {
    throw invalid('body', 'request body must be JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('body', 'request body must be a JSON object');
  return v as Json;
}

/** Required non-empty string of at most `max` chars. */
export function reqString(body: Json, field: string, max = 1024): string {
  const v = body[field];
  if (typeof v !== 'string' || v.trim() === '') throw invalid(field, `${field} is required (non-empty string)`);
  if (v.length > max) throw invalid(field, `${field} is longer than ${max} characters`);
  return v;
}

/** Optional string (absent or null → undefined). */
export function optString(body: Json, field: string, max = 256): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(field, `${field} must be a string`);
  if (v.length > max) throw invalid(field, `${field} is longer than ${max} characters`);
  return v;
}

/** Required integer >= min (a safe integer). */
export function reqInt(body: Json, field: string, min = 0): number {
  const v = body[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw invalid(field, `${field} is required (integer >= ${min})`);
  }
  return v;
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** SHA-256 as 64 hex chars, returned lower-case. */
export function sha256Field(body: Json, field: string, required: boolean): string | undefined {
  const v = body[field];
  if ((v === undefined || v === null) && !required) return undefined;
  if (typeof v !== 'string' || !SHA256_HEX.test(v)) throw invalid(field, `${field} must be a SHA-256 as 64 hex characters`);
  return v.toLowerCase();
}

/** Optional plain JSON object (absent or null → undefined), at most `maxBytes` when serialised. */
export function optObject(body: Json, field: string, maxBytes = 16 * 1024): Json | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(field, `${field} must be a JSON object`);
  if (JSON.stringify(v).length > maxBytes) throw invalid(field, `${field} is larger than ${maxBytes} bytes`);
  return v as Json;
}

/**
 * Characters never accepted in a file name (SPEC v2 "Hardening"): C0 controls, DEL, C1 controls,
 * bidirectional controls U+202A–202E and U+2066–2069, the separators U+2028/U+2029, and U+FEFF; also the
 * path separators / and \ (a name, not a path).
 */
const BAD_NAME_CHAR = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u2028\u2029\uFEFF/\\]/;

/**
 * Required file name of at most `max` characters without the characters above.
 * Throws 400 VALIDATION_FAILED with `details.field` = `field` and `details.char` = the first bad character
 * as "U+XXXX".
 */
export function fileNameField(body: Json, field: string, max = 255): string {
  const name = reqString(body, field, max);
  const bad = BAD_NAME_CHAR.exec(name);
  if (bad) {
    const char = `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    const what = bad[0] === '/' || bad[0] === '\\' ? 'a path separator' : 'a control, bidirectional or separator character';
    throw new ApiError('VALIDATION_FAILED', `${field} contains ${what} (${char}); rename the file`, { field, char });
  }
  return name;
}
