/**
 * Multipart routes (SPEC "Multipart"), all authenticated, all taking `{object_key, upload_id, …}` (bodies
 * parsed by the contract's Multipart*RequestSchema: 400 naming the field, e.g. `parts.2.etag`) of
 * an intent the caller got (else 403 KEY_FORBIDDEN; an upload_id not belonging to the key → 400
 * VALIDATION_FAILED field "upload_id"):
 * - POST /api/uploads/multipart/parts `{part_numbers}` → MultipartPartsResponse `{parts, expires_at}`:
 *   fresh part URLs (resume after the 5-minute URLs expired). 410 URL_EXPIRED when the upload is no
 *   longer open (aborted, expired by housekeeping, completed).
 * - POST /api/uploads/multipart/complete `{parts: [{part_number, etag}]}` → 200 `{object_key, bytes, etag}`
 *   (store complete — R2 binding or S3 CompleteMultipartUpload; etags may be quoted). Every part
 *   1…⌈bytes/part_size⌉ must be listed (SPEC v2), else 400 field "parts" with details.missing_parts. Repeating it after
 *   success answers the same (idempotent). The store refusing the parts (wrong etag, missing part,
 *   undersized part) → 400 field "parts"; the store failing otherwise (S3 mode) → 502 STORAGE_ERROR.
 * - POST /api/uploads/multipart/abort → 204; idempotent; an upload already completed but not
 *   finalized is deleted; a finalized one cannot be aborted (400 field "object_key").
 * Then POST /api/uploads/finalize as for a single PUT (with the R2 binding the checksum is verified
 * there by reading the object once, since R2 cannot check a multipart upload's SHA-256 at put time;
 * in S3 mode the size only — see routes/finalize.ts).
 */
import type { Hono } from 'hono';
import type { MultipartAbortRequest, MultipartCompleteRequest, MultipartCompleteResponse, MultipartPartsResponse } from '../../contract/api.js';
import { partCount } from '../../contract/parts.js';
import { MultipartAbortRequestSchema, MultipartCompleteRequestSchema, MultipartPartsRequestSchema } from '../../contract/requests.js';
import { getIntentByKey, transitionIntent, type IntentRow } from '../db/intents.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { HttpError, invalid } from '../lib/errors.js';
import { validJson } from '../lib/valid.js';
import { PartsRejectedError, type CompletedPart } from '../storage/index.js';
import { signParts } from './multipart-start.js';

/** The caller's multipart intent for `{object_key, upload_id}` of the (parsed) body. */
async function ownedUpload(db: D1Database, userId: string, body: MultipartAbortRequest): Promise<IntentRow & { upload_id: string; part_size: number }> {
  const { object_key: objectKey, upload_id: uploadId } = body;
  const intent = await getIntentByKey(db, objectKey);
  if (!intent || intent.user_id !== userId) {
    throw new HttpError('KEY_FORBIDDEN', `object_key ${objectKey} was not issued to you`, { object_key: objectKey });
  }
  if (!intent.upload_id || intent.upload_id !== uploadId || !intent.part_size) {
    throw invalid('upload_id', `upload_id does not belong to ${objectKey}`);
  }
  return intent as IntentRow & { upload_id: string; part_size: number };
}

function notOpen(intent: IntentRow): HttpError {
  return new HttpError('URL_EXPIRED', `multipart upload of ${intent.object_key} is ${intent.status}; request a new intent`, {
    object_key: intent.object_key,
    intent_status: intent.status,
  });
}

/** The schema-checked part numbers within this upload's 1…max, deduplicated and sorted (400 field "part_numbers"). */
function partNumbers(numbers: number[], max: number): number[] {
  if (numbers.some((n) => n > max)) throw invalid('part_numbers', `part numbers must be integers 1…${max}`);
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/** The schema-checked parts within 1…max, each once, etags unquoted, sorted (400 field "parts"). */
function completedParts(parts: MultipartCompleteRequest['parts'], max: number): CompletedPart[] {
  const seen = new Set<number>();
  const out: CompletedPart[] = [];
  for (const { part_number: n, etag } of parts) {
    if (n > max || seen.has(n)) throw invalid('parts', `part_number must be a unique integer 1…${max}`);
    seen.add(n);
    out.push({ partNumber: n, etag: etag.replace(/^W\//, '').replace(/^"|"$/g, '') });
  }
  return out.sort((a, b) => a.partNumber - b.partNumber);
}

/** SPEC v2 "Finalize is bound to its intent": every part 1…⌈bytes/part_size⌉, or nothing is completed (400 field "parts"). */
function requireAllParts(parts: CompletedPart[], max: number): void {
  const seen = new Set(parts.map((p) => p.partNumber));
  const missing: number[] = [];
  for (let n = 1; n <= max; n++) if (!seen.has(n)) missing.push(n);
  if (missing.length > 0) {
    const named = missing.length > 20 ? `${missing.slice(0, 20).join(', ')}, … (${missing.length} in all)` : missing.join(', ');
    throw new HttpError('VALIDATION_FAILED', `parts: the upload has ${max} parts; missing part ${named}`, {
      field: 'parts',
      missing_parts: missing.slice(0, 1000),
      parts_expected: max,
    });
  }
}

export function registerMultipartRoutes(app: Hono<AppEnv>): void {
  app.post('/api/uploads/multipart/parts', requireAuth, validJson(MultipartPartsRequestSchema), async (c) => {
    const { cfg, signer, origin } = c.var.services;
    const body = c.req.valid('json');
    const intent = await ownedUpload(c.env.DB, c.var.user.id, body);
    const numbers = partNumbers(body.part_numbers, partCount(intent.bytes, intent.part_size));
    if (intent.status !== 'pending') throw notOpen(intent);
    const expiresAt = new Date(Date.now() + cfg.urlTtlSeconds * 1000);
    const parts = await signParts(signer, intent, numbers, origin, expiresAt);
    return c.json<MultipartPartsResponse>({ parts, expires_at: expiresAt.toISOString() });
  });

  app.post('/api/uploads/multipart/complete', requireAuth, validJson(MultipartCompleteRequestSchema), async (c) => {
    const body = c.req.valid('json');
    const intent = await ownedUpload(c.env.DB, c.var.user.id, body);
    const parts = completedParts(body.parts, partCount(intent.bytes, intent.part_size));
    const store = c.var.services.store;
    if (intent.status === 'uploaded' || intent.status === 'finalized') {
      const head = await store.head(intent.object_key);
      if (head) return c.json<MultipartCompleteResponse>({ object_key: intent.object_key, bytes: head.size, etag: head.etag });
    }
    if (intent.status !== 'pending') throw notOpen(intent);
    requireAllParts(parts, partCount(intent.bytes, intent.part_size));
    try {
      await store.completeMultipart(intent.object_key, intent.upload_id, parts);
    } catch (e) {
      if (e instanceof PartsRejectedError) throw invalid('parts', `the object store refused to complete the upload: ${e.message}`);
      throw e;
    }
    const head = await store.head(intent.object_key);
    if (!head) throw new HttpError('STORAGE_ERROR', `${intent.object_key}: completed, but the store does not show the object`, { operation: 'HeadObject' });
    await transitionIntent(c.env.DB, intent.id, ['pending'], 'uploaded', new Date());
    return c.json<MultipartCompleteResponse>({ object_key: intent.object_key, bytes: head.size, etag: head.etag });
  });

  app.post('/api/uploads/multipart/abort', requireAuth, validJson(MultipartAbortRequestSchema), async (c) => {
    const intent = await ownedUpload(c.env.DB, c.var.user.id, c.req.valid('json'));
    if (intent.status === 'finalized') throw invalid('object_key', `${intent.object_key} is already finalized; it cannot be aborted`);
    const store = c.var.services.store;
    if (intent.status === 'pending') {
      await store.abortMultipart(intent.object_key, intent.upload_id); // idempotent
    } else if (intent.status === 'uploaded') {
      await store.delete(intent.object_key);
    }
    await transitionIntent(c.env.DB, intent.id, ['pending', 'uploaded'], 'aborted', new Date());
    return c.body(null, 204);
  });
}
