/**
 * POST /api/uploads/intents — batch intent (issue 5 "The intent ceiling"; seeds/002's prepare-upload).
 *
 * Request: BatchIntentRequest `{"order_id", "files": [1…50 single-intent bodies]}`; a file may leave
 * out order_id or repeat the batch's (another one is a per-file 400, field "order_id").
 * Whole-request answers: 401 (auth) → 400 VALIDATION_FAILED (field "order_id", or "files" when not an
 * array, empty, or more than MAX_BATCH_INTENTS) → 429 RATE_LIMITED (the batch takes ONE token of the
 * user's intent limit) → 403 ORDER_FORBIDDEN (the order is not the caller's: nothing is issued).
 * Otherwise 200 BatchIntentResponse `{"uploads": [...]}`: per file, in order, exactly what
 * POST /api/uploads/intent answers (the same code, routes/intent-core.ts) — single, multipart or
 * existing_file_id — or that route's error body for this file (400 naming the field, 413, 415, 502).
 *
 * Files are issued as a batch (domain/intent-batch.ts: per-request queries, one D1 batch), keys of one
 * (room, stack) getting ascending versions in list order. Duplicates inside one batch (same checksum twice) are treated like two single intents sent
 * one after the other: both get their own upload slot, since dedupe only sees finalized files.
 */
import type { Hono } from 'hono';
import { MAX_BATCH_INTENTS, type BatchIntentResponse } from '../../contract/api.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { batchItem } from '../lib/batch-item.js';
import { ApiError, invalid } from '../lib/errors.js';
import { jsonBody, reqString, type Json } from '../lib/validate.js';
import { issueAll, openIntentScope, parseIntentFields, type IntentFields, type IntentScope } from './intent-core.js';

/** One file of the batch → its fields, or the error of a bad item (ApiError 400). */
function parseOne(scope: IntentScope, raw: unknown): IntentFields | Error {
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('files', 'each entry of files must be a JSON object');
    const body = raw as Json;
    const own = body.order_id;
    if (own !== undefined && own !== null && own !== scope.order.id) {
      throw invalid('order_id', `a file's order_id must be left out or equal the batch's order_id (${scope.order.id})`);
    }
    return parseIntentFields(body);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

export function registerBatchIntentRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/intents', requireAuth, async (c) => {
    const body = await jsonBody(c);
    const orderId = reqString(body, 'order_id', 128);
    const files = body.files;
    if (!Array.isArray(files) || files.length === 0 || files.length > MAX_BATCH_INTENTS) {
      throw new ApiError('VALIDATION_FAILED', `files must be an array of 1 to ${MAX_BATCH_INTENTS} intents`, {
        field: 'files',
        max_files: MAX_BATCH_INTENTS,
      });
    }
    const scope = await openIntentScope(c, orderId);
    const uploads = (await issueAll(scope, (files as unknown[]).map((f) => parseOne(scope, f)))).map((r) => batchItem(r, 'batch intent'));
    return c.json<BatchIntentResponse>({ uploads });
  });
}
