/**
 * POST /api/uploads/finalize-batch (SPEC v2 "POST /api/uploads/finalize-batch", seed 002's confirm-upload).
 *
 * Request: FinalizeBatchRequest `{"files": [1…50 finalize bodies]}`. Whole-request answers: 401 (auth),
 * 400 VALIDATION_FAILED field "files" (FinalizeBatchEnvelopeSchema: not an array, empty, or more than
 * MAX_BATCH_FINALIZE). Each item is parsed by FinalizeRequestSchema on its own.
 * Otherwise 200 FinalizeBatchResponse `{"results": [...]}`: per item, in order, exactly what
 * POST /api/uploads/finalize answers (the same code, routes/finalize-core.ts) or that route's error body
 * for this item (400 naming the field, 403 KEY_FORBIDDEN, 409, 422, 502). One bad item never fails the
 * others. The work is per request where it can be (domain/finalize.ts: one intent query, storage checks
 * in parallel, one D1 batch, one queue send); the rows are written in list order (same key twice → the
 * same file_id twice).
 *
 * Optional `closing_check` (issue 15): up to MAX_CLOSING_ORDERS order ids; the answer then also carries
 * `closing_check`, one entry per order read after the rows are written (routes/closing-check.ts), while the
 * files are queued for processing.
 */
import type { Hono } from 'hono';
import type { ClosingCheckEntry, FinalizeBatchResponse } from '../../contract/api.js';
import { FinalizeBatchEnvelopeSchema, FinalizeRequestSchema } from '../../contract/requests.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { batchItem } from '../lib/batch-item.js';
import { closingCheck } from './closing-check.js';
import { parseOr400, validJson } from '../lib/valid.js';
import { finalizeAll, finalizeFields, type FinalizeFields, type FinalizeScope } from './finalize-core.js';

/** One item's fields, or the error of a bad item (HttpError 400; field "files" when not an object). */
function parseOne(raw: unknown): FinalizeFields | Error {
  try {
    return finalizeFields(parseOr400(FinalizeRequestSchema, raw, 'files'));
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

export function registerFinalizeBatchRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/finalize-batch', requireAuth, validJson(FinalizeBatchEnvelopeSchema), async (c) => {
    const { files, closing_check: closing } = c.req.valid('json');
    const scope: FinalizeScope = { env: c.env, user: c.var.user, store: c.var.services.store };
    let check: Promise<ClosingCheckEntry[]> | undefined;
    const read = closing ? () => (check = closingCheck(c.env.DB, c.var.user.id, closing)) : undefined;
    const results = (await finalizeAll(scope, files.map(parseOne), read)).map((r) => batchItem(r, 'batch finalize'));
    // Each registered file was queued for processing by finalizeAll (SPEC v2 "Previews").
    if (!read) return c.json<FinalizeBatchResponse>({ results });
    return c.json<FinalizeBatchResponse>({ results, closing_check: await (check ?? read()) });
  });
}
