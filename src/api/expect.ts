/**
 * Checks an answer body against its schema (contract/responses.ts) before the CLI reads it (issue 9 "an
 * executable contract": the client validates every answer). A mismatch is ApiError kind 'protocol', code
 * BAD_RESPONSE, with `details` `{field, problem: 'missing' | 'type', expected, received}` and a message naming
 * the field: "the server's answer to POST /api/uploads/intent lacks signed_url".
 *
 * Such an answer parsed as JSON, so the transport worked: it is a server of another contract, answering the
 * same way every time. It is therefore not transient (core/transfer/recovery.ts isTransient), unlike a body
 * that is not JSON at all (a captive portal's HTML, a truncated answer: http.ts), which a retry may well cure.
 */
import * as v from 'valibot';
import { ApiError } from './errors.js';

/** What `details` of a BAD_RESPONSE for a schema mismatch holds. */
export interface BadResponseDetails {
  [k: string]: unknown;
  /** Path of the field in the answer, e.g. "signed_url", "multipart.parts[0].url", "uploads[3].object_key". */
  field: string;
  /** 'missing': absent or null where required; 'type': present with the wrong type or value. */
  problem: 'missing' | 'type';
  expected: string;
  received: string;
}

/**
 * `body` as `schema`'s output, or throws ApiError BAD_RESPONSE naming the first wrong field.
 * `prefix` goes before the field's path (e.g. "uploads[3]" for one item of a batch answer).
 */
export function expectBody<S extends v.GenericSchema>(schema: S, body: unknown, operation: string, prefix = ''): v.InferOutput<S> {
  const r = v.safeParse(schema, body);
  if (r.success) return r.output;
  throw badResponse(r.issues[0], operation, prefix);
}

/** The ApiError for one schema issue (exported for batch answers, whose bad items fail alone). */
export function badResponse(issue: v.GenericIssue, operation: string, prefix = ''): ApiError {
  const field = fieldPath(issue, prefix);
  const missing = issue.input === undefined || (issue.input === null && !issue.expected?.includes('null'));
  const expected = issue.expected ?? 'a valid value';
  const received = issue.received ?? typeof issue.input;
  const details: BadResponseDetails = { field, problem: missing ? 'missing' : 'type', expected, received };
  const what = field === '' ? 'is not a JSON object' : missing ? `lacks ${field}` : `has ${field} of the wrong type (expected ${expected}, got ${received})`;
  return new ApiError({ kind: 'protocol', status: 200, code: 'BAD_RESPONSE', message: `the server's answer to ${operation} ${what}`, operation, details });
}

/** "multipart.parts[0].url" from an issue's path; "" for the body itself. */
function fieldPath(issue: v.GenericIssue, prefix: string): string {
  let out = prefix;
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
