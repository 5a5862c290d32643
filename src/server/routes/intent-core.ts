/**
 * The one code path that issues upload intents, shared by `POST /api/uploads/intent` (routes/intent.ts)
 * and the batch `POST /api/uploads/intents` (routes/intents-batch.ts). SPEC "POST /api/uploads/intent".
 *
 * Per request (once, also for a batch): `openIntentScope` — 429 RATE_LIMITED (one token of the user's
 * IntentLimiter, `Retry-After`), then 403 ORDER_FORBIDDEN (order missing or not the caller's).
 * Per file: the body was parsed by the contract's schema (src/contract/requests.ts, lib/valid.ts: 400
 * VALIDATION_FAILED naming the field); `intentFields` maps it (slugs, defaults); then `issueIntent` —
 * 413 FILE_TOO_LARGE → 415 UNSUPPORTED_MEDIA_TYPE → ExistingIntentResponse when the order already holds
 * a finalized file with this checksum → else a new object key (race-free, see recordIntent), 413
 * QUOTA_EXCEEDED when it would pass the user's quota (lib/quota.ts, SPEC v2), and either
 * MultipartIntentResponse (bytes > MULTIPART_THRESHOLD and multipart enabled) or SingleIntentResponse.
 * Every failure is an ApiError (lib/errors.ts); 502 STORAGE_ERROR when the S3 store refuses a multipart start.
 */
import type { Context } from 'hono';
import type { BatchIntentFile, ExistingIntentResponse, IntentResponse, SingleIntentResponse } from '../../contract/api.js';
import { findFileByChecksum } from '../db/files.js';
import { insertIntent, nextKeyVersion, type IntentRow } from '../db/intents.js';
import { findOwnedOrder, type OrderRow, type UserRow } from '../db/users.js';
import type { Env, ServerConfig } from '../env.js';
import type { AppEnv } from '../lib/app-env.js';
import { newId } from '../lib/crypto.js';
import { ApiError } from '../lib/errors.js';
import { checkMediaType } from '../lib/media-policy.js';
import { reserveQuota } from '../lib/quota.js';
import { buildObjectKey, roomSlug, stackSlug } from '../lib/object-key.js';
import { checkIntentRate } from '../ratelimit/check.js';
import type { UploadSigner } from '../signers/types.js';
import type { ObjectStore } from '../storage/index.js';
import { startMultipart } from './multipart-start.js';
import { allocateStackId } from '../domain/stack-allocation.js';
import { stackFieldsOf, type StackFields } from '../domain/stack-fields.js';

/** Attempts at issuing a unique key before giving up (each takes a fresh version). */
const KEY_ATTEMPTS = 5;

/** The validated per-file fields of an intent (everything but order_id); stack fields: SPEC v2. */
export interface IntentFields extends StackFields {
  filename: string;
  /** As declared by the client; normalised by checkMediaType. */
  declaredMime: string;
  /** Slugged, default "unsorted". */
  roomType: string;
  /** Slugged, default "s000". */
  stackId: string;
  /** Bytes. */
  bytes: number;
  /** SHA-256 lower-case hex, or null. */
  checksum: string | null;
  /** Whether the client named a stack_id (SPEC v2: its proposal for allocation). */
  stackIdGiven: boolean;
}

/** What every intent of one request shares: config, caller, order, signer, store, origin. */
export interface IntentScope {
  env: Env;
  cfg: ServerConfig;
  user: UserRow;
  order: OrderRow;
  signer: UploadSigner;
  store: ObjectStore;
  /** Origin of the API request (local signer URLs point there). */
  origin: string;
}

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
  };
}

/** Takes one rate-limit token (429) and checks the order (403); one call per request, single or batch. */
export async function openIntentScope(c: Context<AppEnv>, orderId: string): Promise<IntentScope> {
  const { cfg, signer, store } = c.var.services;
  const user = c.var.user;
  await checkIntentRate(c.env, user.id, cfg.intentRate);
  const order = await findOwnedOrder(c.env.DB, orderId, user.id);
  if (!order) throw new ApiError('ORDER_FORBIDDEN', `order ${orderId} is not yours (or does not exist)`, { order_id: orderId });
  return { env: c.env, cfg, user, order, signer, store, origin: c.var.services.origin };
}

/**
 * Issues the next object key for (order, room, stack) and records the intent under it.
 * Race-free: the version comes from an atomic D1 counter, and UNIQUE(object_key) rejects any
 * duplicate anyway (then the next version is taken). Throws Error after KEY_ATTEMPTS collisions.
 */
async function recordIntent(db: D1Database, base: Omit<IntentRow, 'object_key'>, shootcode: string, at: Date): Promise<IntentRow> {
  for (let i = 0; i < KEY_ATTEMPTS; i++) {
    const version = await nextKeyVersion(db, base.order_id, base.room_type, base.stack_id);
    const object_key = buildObjectKey({
      userId: base.user_id,
      orderId: base.order_id,
      shootcode,
      roomType: base.room_type,
      stackId: base.stack_id,
      version,
      filename: base.filename,
      at,
    });
    const row: IntentRow = { ...base, object_key };
    if (await insertIntent(db, row)) return row;
  }
  throw new Error('could not issue a unique object key');
}

/** Issues one intent in `scope` (413 → 415 → existing file → new key + URL(s)); see the file comment. */
export async function issueIntent(scope: IntentScope, f: IntentFields): Promise<IntentResponse> {
  const { env, cfg, user, order } = scope;
  if (f.bytes > cfg.maxBytes) {
    throw new ApiError('FILE_TOO_LARGE', `${f.filename} is ${f.bytes} bytes; the limit is ${cfg.maxBytes} bytes`, {
      filename: f.filename,
      bytes: f.bytes,
      max_bytes: cfg.maxBytes,
    });
  }
  const { mime } = checkMediaType(f.filename, f.declaredMime);

  if (f.checksum) {
    const existing = await findFileByChecksum(env.DB, order.id, f.checksum);
    if (existing) return { existing_file_id: existing.id, object_key: existing.object_key, stack_id: existing.stack_id } satisfies ExistingIntentResponse;
  }
  // SPEC v2 stack identity: with a stack_key the server allocates the stack_id (the key uses it).
  const stackId = f.stackKey
    ? await allocateStackId(env.DB, {
        orderId: order.id,
        roomType: f.roomType,
        stackKey: f.stackKey,
        proposed: f.stackIdGiven ? f.stackId : null,
        roomLabel: f.roomLabel,
        framesDeclared: f.stackFrames,
      })
    : f.stackId;

  const now = new Date();
  const expiresAt = new Date(now.getTime() + cfg.urlTtlSeconds * 1000);
  const intent = await recordIntent(
    env.DB,
    {
      id: newId('in'),
      user_id: user.id,
      order_id: order.id,
      filename: f.filename,
      mime,
      bytes: f.bytes,
      checksum: f.checksum,
      room_type: f.roomType,
      stack_id: stackId,
      room_label: f.roomLabel,
      stack_key: f.stackKey,
      stack_frames: f.stackFrames,
      status: 'pending',
      upload_id: null,
      part_size: null,
      claimed_at: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    },
    order.shootcode,
    now,
  );
  await reserveQuota(env.DB, intent, cfg.quotaBytes); // SPEC v2: 413 QUOTA_EXCEEDED, race-safe

  if (cfg.multipart && f.bytes > cfg.multipartThreshold) {
    return { ...(await startMultipart(env.DB, scope.store, cfg, scope.signer, intent, scope.origin, expiresAt)), stack_id: stackId };
  }
  const signed = await scope.signer.signPut({
    intentId: intent.id,
    objectKey: intent.object_key,
    bytes: f.bytes,
    mime,
    checksum: f.checksum,
    expiresAt,
    origin: scope.origin,
  });
  return {
    signed_url: signed.url,
    object_key: intent.object_key,
    headers: signed.headers,
    expires_at: expiresAt.toISOString(),
    stack_id: stackId,
  } satisfies SingleIntentResponse;
}
