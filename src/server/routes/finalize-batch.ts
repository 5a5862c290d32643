/**
 * POST /api/uploads/finalize-batch (SPEC v2 "POST /api/uploads/finalize-batch", seed 002's confirm-upload).
 *
 * Request: FinalizeBatchRequest `{"files": [1…50 finalize bodies]}`. Whole-request answers: 401 (auth),
 * 400 VALIDATION_FAILED field "files" (FinalizeBatchEnvelopeSchema: not an array, empty, or more than
 * MAX_BATCH_FINALIZE). Each item is parsed by FinalizeRequestSchema on its own.
 * Otherwise 200 FinalizeBatchResponse `{"results": [...]}`: per item, in order, exactly what
 * POST /api/uploads/finalize answers (the same code, routes/finalize-core.ts) or that route's error body
 * for this item (400 naming the field, 403 KEY_FORBIDDEN, 409, 422, 502). One bad item never fails the
 * others. Items are finalized one after another (same key twice → the same file_id twice).
 */
import type { Hono } from 'hono';
import type { FinalizeBatchItem, FinalizeBatchResponse } from '../../contract/api.js';
import { FinalizeBatchEnvelopeSchema, FinalizeRequestSchema } from '../../contract/requests.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { ApiError, errorBody } from '../lib/errors.js';
import { parseOr400, validJson } from '../lib/valid.js';
import { finalizeFields, finalizeUpload, type FinalizeScope } from './finalize-core.js';

/** One item → its answer; never throws (every failure becomes an error item; field "files" when not an object). */
async function finalizeOne(scope: FinalizeScope, raw: unknown): Promise<FinalizeBatchItem> {
  try {
    return await finalizeUpload(scope, finalizeFields(parseOr400(FinalizeRequestSchema, raw, 'files')));
  } catch (e) {
    if (e instanceof ApiError) return errorBody(e);
    console.error('piximmo: batch finalize failed', e);
    return errorBody(new ApiError('INTERNAL', 'internal error'));
  }
}

export function registerFinalizeBatchRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/finalize-batch', requireAuth, validJson(FinalizeBatchEnvelopeSchema), async (c) => {
    const { files } = c.req.valid('json');
    const scope: FinalizeScope = { env: c.env, user: c.var.user, store: c.var.services.store };
    const results: FinalizeBatchItem[] = [];
    for (const f of files) results.push(await finalizeOne(scope, f));
    // Each registered file was queued for processing by finalizeUpload (SPEC v2 "Previews").
    return c.json<FinalizeBatchResponse>({ results });
  });
}
