/**
 * One item's answer in a batch route (SPEC v2 batch intents and finalize-batch: "per item, in order, exactly
 * what the single route answers, or that route's error body"): the answer itself, the error body of an
 * HttpError, or — for anything unexpected — INTERNAL (logged with `what`, e.g. "batch intent").
 */
import type { ErrorBody } from '../../contract/errors.js';
import { HttpError, errorBody } from './errors.js';

export function batchItem<T extends object>(r: T | Error, what: string): T | ErrorBody {
  if (!(r instanceof Error)) return r;
  if (r instanceof HttpError) return errorBody(r);
  console.error(`piximmo: ${what} failed`, r);
  return errorBody(new HttpError('INTERNAL', 'internal error'));
}
