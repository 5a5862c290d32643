/**
 * POST /api/uploads/intents — batch intent (issue 5 "The intent ceiling"; seeds/002's prepare-upload).
 *
 * Request: BatchIntentRequest `{"order_id", "files": [1…50 single-intent bodies]}`; a file may leave
 * out order_id or repeat the batch's (another one is a per-file 400, field "order_id").
 * Whole-request answers: 401 (auth) → 400 VALIDATION_FAILED (BatchIntentEnvelopeSchema: field "order_id", or
 * "files" when not an array, empty, or more than MAX_BATCH_INTENTS) → 429 RATE_LIMITED (the batch takes ONE token of the
 * user's intent limit) → 403 ORDER_FORBIDDEN (the order is not the caller's: nothing is issued; the order is read
 * in the batch's first D1 batch, with the files of its checksums and the stacks of its rooms).
 * Otherwise 200 BatchIntentResponse `{"uploads": [...]}`: per file, in order, exactly what
 * POST /api/uploads/intent answers (the same code, routes/intent-core.ts) — single, multipart or
 * existing_file_id — or that route's error body for this file (400 naming the field of the file, parsed by
 * BatchIntentFileSchema — e.g. "filename", "files" for an entry that is no object —, 413, 415, 502).
 *
 * Files are issued as a batch (domain/intent-batch.ts: three D1 round trips for the whole request), keys of one
 * (room, stack) getting ascending versions in list order. Duplicates inside one batch (same checksum twice) are treated like two single intents sent
 * one after the other: both get their own upload slot, since dedupe only sees finalized files.
 */
import type { Hono } from 'hono';
import type { BatchIntentResponse } from '../../contract/api.js';
import { BatchIntentEnvelopeSchema, BatchIntentFileSchema } from '../../contract/requests.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { batchItem } from '../lib/batch-item.js';
import { invalid, orderForbidden } from '../lib/errors.js';
import { parseOr400, validJson } from '../lib/valid.js';
import { intentFields, intentScope, issueAll, readBatch, takeIntentToken, type IntentFields } from './intent-core.js';

/** One file of the batch → its fields, or the error of a bad item (HttpError 400; field "files" when not an object). */
function parseOne(orderId: string, raw: unknown): IntentFields | Error {
  try {
    const body = parseOr400(BatchIntentFileSchema, raw, 'files');
    if (body.order_id != null && body.order_id !== orderId) {
      throw invalid('order_id', `a file's order_id must be left out or equal the batch's order_id (${orderId})`);
    }
    return intentFields(body);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

export function registerBatchIntentRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/intents', requireAuth, validJson(BatchIntentEnvelopeSchema), async (c) => {
    const { order_id, files } = c.req.valid('json');
    await takeIntentToken(c);
    const items = files.map((f) => parseOne(order_id, f));
    const reads = await readBatch(c.env.DB, order_id, c.var.user.id, items);
    if (!reads) throw orderForbidden(order_id);
    const uploads = (await issueAll(intentScope(c, reads.order), items, reads)).map((r) => batchItem(r, 'batch intent'));
    return c.json<BatchIntentResponse>({ uploads });
  });
}
