/**
 * The intent body and scope of `POST /api/uploads/intent` (routes/intent.ts) and the batch
 * `POST /api/uploads/intents` (routes/intents-batch.ts). SPEC "POST /api/uploads/intent".
 *
 * Per request (once, also for a batch): 429 RATE_LIMITED (`takeIntentToken`: one token of the user's
 * IntentLimiter, `Retry-After`), then 403 ORDER_FORBIDDEN (order missing or not the caller's) — both in
 * `openIntentScope` for a single intent; the batch reads its order with its other rows (domain/intent-batch.ts).
 * Per file: the body was parsed by the contract's schema (src/contract/requests.ts, lib/valid.ts: 400
 * VALIDATION_FAILED naming the field); `intentFields` maps it (slugs, defaults). The work (413 → 415 →
 * existing file → stack → key → 413 QUOTA_EXCEEDED → multipart or single answer; 502 STORAGE_ERROR) is
 * domain/intent.ts (one file) and domain/intent-batch.ts (a batch, per request where it can be),
 * re-exported here for the routes.
 */
import type { Context } from 'hono';
import type { BatchIntentFile } from '../../contract/api.js';
import { findOwnedOrder, type OrderRow } from '../db/users.js';
import type { IntentFields, IntentScope } from '../domain/intent.js';
import { stackFieldsOf } from '../domain/stack-fields.js';
import type { AppEnv } from '../lib/app-env.js';
import { orderForbidden } from '../lib/errors.js';
import { roomSlug, stackSlug } from '../lib/object-key.js';
import { checkIntentRate } from '../ratelimit/check.js';

export { issueIntent, type IntentFields, type IntentScope } from '../domain/intent.js';
export { issueAll, readBatch } from '../domain/intent-batch.js';

/** The per-file fields of a parsed intent body (everything but order_id): slugs and defaults applied. */
export function intentFields(body: BatchIntentFile): IntentFields {
  return {
    filename: body.filename,
    declaredMime: body.mime,
    roomType: roomSlug(body.room_type),
    stackId: stackSlug(body.stack_id),
    bytes: body.bytes,
    checksum: body.checksum ?? null,
    stackIdGiven: Boolean(body.stack_id?.trim()),
    ...stackFieldsOf(body),
    body,
  };
}

/** Takes one token of the caller's intent rate limit; throws HttpError 429 RATE_LIMITED. One call per request, single or batch. */
export async function takeIntentToken(c: Context<AppEnv>): Promise<void> {
  await checkIntentRate(c.env, c.var.user.id, c.var.services.cfg.intentRate);
}

/** The scope of the request's intents into `order` (the caller's: checked before). */
export function intentScope(c: Context<AppEnv>, order: OrderRow): IntentScope {
  const { cfg, signer, store, origin } = c.var.services;
  return { env: c.env, cfg, user: c.var.user, order, signer, store, origin };
}

/** A single intent's scope: one rate-limit token (429), then the order checked (403). */
export async function openIntentScope(c: Context<AppEnv>, orderId: string): Promise<IntentScope> {
  await takeIntentToken(c);
  const order = await findOwnedOrder(c.env.DB, orderId, c.var.user.id);
  if (!order) throw orderForbidden(orderId);
  return intentScope(c, order);
}
