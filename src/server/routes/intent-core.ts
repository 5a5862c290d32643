/**
 * The intent body and scope of `POST /api/uploads/intent` (routes/intent.ts) and the batch
 * `POST /api/uploads/intents` (routes/intents-batch.ts). SPEC "POST /api/uploads/intent".
 *
 * Per request (once, also for a batch): `openIntentScope` — 429 RATE_LIMITED (one token of the user's
 * IntentLimiter, `Retry-After`), then 403 ORDER_FORBIDDEN (order missing or not the caller's).
 * Per file: `parseIntentFields` — 400 VALIDATION_FAILED naming the field. The work (413 → 415 → existing
 * file → stack → key → 413 QUOTA_EXCEEDED → multipart or single answer; 502 STORAGE_ERROR) is
 * domain/intent.ts (one file) and domain/intent-batch.ts (a batch, per request where it can be),
 * re-exported here for the routes.
 */
import type { Context } from 'hono';
import { findOwnedOrder } from '../db/users.js';
import { readConfig } from '../env.js';
import type { AppEnv } from '../lib/app-env.js';
import { ApiError } from '../lib/errors.js';
import { roomSlug, stackSlug } from '../lib/object-key.js';
import { requestOrigin } from '../lib/origin.js';
import { fileNameField, optString, reqInt, reqString, sha256Field, type Json } from '../lib/validate.js';
import { checkIntentRate } from '../ratelimit/check.js';
import { makeSigner } from '../signers/index.js';
import { makeStore } from '../storage/index.js';
import type { IntentFields, IntentScope } from '../domain/intent.js';
import { parseStackFields } from '../domain/stack-fields.js';

export { issueIntent, type IntentFields, type IntentScope } from '../domain/intent.js';
export { issueAll } from '../domain/intent-batch.js';

/** Validates the per-file fields of `body` (not order_id); throws 400 VALIDATION_FAILED naming the field. */
export function parseIntentFields(body: Json): IntentFields {
  const filename = fileNameField(body, 'filename');
  return {
    filename,
    declaredMime: reqString(body, 'mime', 255),
    roomType: roomSlug(optString(body, 'room_type')),
    stackId: stackSlug(optString(body, 'stack_id')),
    bytes: reqInt(body, 'bytes', 0),
    checksum: sha256Field(body, 'checksum', false) ?? null,
    stackIdGiven: Boolean(optString(body, 'stack_id')?.trim()),
    ...parseStackFields(body),
  };
}

/** Takes one rate-limit token (429) and checks the order (403); one call per request, single or batch. */
export async function openIntentScope(c: Context<AppEnv>, orderId: string): Promise<IntentScope> {
  const cfg = readConfig(c.env);
  const user = c.var.user;
  await checkIntentRate(c.env, user.id, cfg.intentRate);
  const order = await findOwnedOrder(c.env.DB, orderId, user.id);
  if (!order) throw new ApiError('ORDER_FORBIDDEN', `order ${orderId} is not yours (or does not exist)`, { order_id: orderId });
  const signer = makeSigner(c.env, cfg);
  return { env: c.env, cfg, user, order, signer, store: makeStore(c.env, cfg), origin: requestOrigin(c.req.raw, signer.kind === 'local') };
}
