/**
 * POST /api/uploads/finalize-batch (SPEC v2 "POST /api/uploads/finalize-batch", seed 002's confirm-upload).
 *
 * Request: FinalizeBatchRequest `{"files": [1…50 finalize bodies]}`. Whole-request answers: 401 (auth),
 * 400 VALIDATION_FAILED field "files" (not an array, empty, or more than MAX_BATCH_FINALIZE).
 * Otherwise 200 FinalizeBatchResponse `{"results": [...]}`: per item, in order, exactly what
 * POST /api/uploads/finalize answers (the same code, routes/finalize-core.ts) or that route's error body
 * for this item (400 naming the field, 403 KEY_FORBIDDEN, 409, 422, 502). One bad item never fails the
 * others. The work is per request where it can be (domain/finalize.ts: one intent query, storage checks
 * in parallel, one D1 batch, one queue send); the rows are written in list order (same key twice → the
 * same file_id twice).
 */
import type { Hono } from 'hono';
import { MAX_BATCH_FINALIZE, type FinalizeBatchResponse } from '../../contract/api.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { batchItem } from '../lib/batch-item.js';
import { ApiError, invalid } from '../lib/errors.js';
import { jsonBody, type Json } from '../lib/validate.js';
import { finalizeAll, openFinalizeScope, parseFinalizeFields, type FinalizeFields } from './finalize-core.js';

/** One item's fields, or the error of a bad item (ApiError 400). */
function parseOne(raw: unknown): FinalizeFields | Error {
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('files', 'each entry of files must be a JSON object');
    return parseFinalizeFields(raw as Json);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

export function registerFinalizeBatchRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/finalize-batch', requireAuth, async (c) => {
    const body = await jsonBody(c);
    const files = body.files;
    if (!Array.isArray(files) || files.length === 0 || files.length > MAX_BATCH_FINALIZE) {
      throw new ApiError('VALIDATION_FAILED', `files must be an array of 1 to ${MAX_BATCH_FINALIZE} finalize bodies`, {
        field: 'files',
        max_files: MAX_BATCH_FINALIZE,
      });
    }
    const scope = openFinalizeScope(c.env, c.var.user);
    const results = (await finalizeAll(scope, (files as unknown[]).map(parseOne))).map((r) => batchItem(r, 'batch finalize'));
    // Each registered file was queued for processing by finalizeAll (SPEC v2 "Previews").
    return c.json<FinalizeBatchResponse>({ results });
  });
}
