/**
 * The items of a batch answer (POST /api/uploads/intents → `uploads`, POST /api/uploads/finalize-batch →
 * `results`): one per file, in request order, each either the single route's answer or its error body.
 * Each item is checked on its own, so one malformed item fails its own file (ApiError BAD_RESPONSE naming
 * e.g. `uploads[3].signed_url`) and the others go on; a list of the wrong length fails the whole request.
 */
import type * as v from 'valibot';
import { ERROR_STATUS } from '../contract/errors.js';
import { ErrorBodySchema } from '../contract/responses.js';
import { ApiError } from './errors.js';
import { expectBody } from './expect.js';

/**
 * Maps `list` (already known to be an array) to one answer or one ApiError per file. `schemaOf(item)` picks
 * the schema a success item must match; `key` names the list in messages ("uploads", "results").
 * Throws ApiError BAD_RESPONSE when the list does not hold exactly `count` items.
 */
export function batchItems<S extends v.GenericSchema>(
  list: unknown[],
  count: number,
  key: string,
  schemaOf: (item: unknown) => S,
  operation: string,
): (v.InferOutput<S> | ApiError)[] {
  if (list.length !== count) {
    throw new ApiError({
      kind: 'protocol',
      status: 200,
      code: 'BAD_RESPONSE',
      message: `the server's answer to ${operation} lists ${list.length} ${key} for ${count} files`,
      operation,
      details: { field: key, problem: 'type', expected: `${count} items`, received: `${list.length} items` },
    });
  }
  return list.map((item, i) => {
    const prefix = `${key}[${i}]`;
    try {
      if (typeof item === 'object' && item !== null && 'error' in item) {
        const { error } = expectBody(ErrorBodySchema, item, operation, prefix);
        const status = (ERROR_STATUS as Record<string, number>)[error.code] ?? 400;
        return new ApiError({ kind: 'http', status, code: error.code, message: error.message, operation, details: error.details });
      }
      return expectBody(schemaOf(item), item, operation, prefix);
    } catch (err) {
      if (err instanceof ApiError) return err;
      throw err;
    }
  });
}
