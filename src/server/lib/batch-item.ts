/**
 * One item's answer in a batch route (SPEC v2 batch intents and finalize-batch: "per item, in order, exactly
 * what the single route answers, or that route's error body"): the answer itself, the error body of an
 * ApiError, or — for anything unexpected — INTERNAL (logged with `what`, e.g. "batch intent").
 */
import type { ErrorBody } from '../../contract/errors.js';
import { ApiError, errorBody } from './errors.js';

export function batchItem<T extends object>(r: T | Error, what: string): T | ErrorBody {
  if (!(r instanceof Error)) return r;
  if (r instanceof ApiError) return errorBody(r);
  console.error(`piximmo: ${what} failed`, r);
  return errorBody(new ApiError('INTERNAL', 'internal error'));
}
