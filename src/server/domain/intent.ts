/**
 * Issuing one upload intent (SPEC "POST /api/uploads/intent"), shared by the single route and — through
 * domain/intent-batch.ts, which does the same per request instead of per file — the batch route.
 *
 * Per file, in this order: 413 FILE_TOO_LARGE → 415 UNSUPPORTED_MEDIA_TYPE (`checkIntentLimits`) →
 * ExistingIntentResponse when the order already holds a finalized file with this checksum → the stack_id
 * (SPEC v2: allocated from stack_key, domain/stack-allocation.ts) → a new object key (race-free, see
 * recordIntent) → 413 QUOTA_EXCEEDED when it would pass the user's quota (lib/quota.ts, race-safe) →
 * MultipartIntentResponse (bytes > MULTIPART_THRESHOLD and multipart enabled; 502 STORAGE_ERROR when the
 * S3 store refuses the start) or SingleIntentResponse (`answerIntent`). Every failure is an HttpError.
 */
import type { BatchIntentFile, ExistingIntentResponse, IntentResponse, SingleIntentResponse } from '../../contract/api.js';
import { findFileByChecksum } from '../db/files.js';
import { insertIntent, nextKeyVersion, type IntentRow } from '../db/intents.js';
import type { OrderRow, UserRow } from '../db/users.js';
import type { Env, ServerConfig } from '../env.js';
import { newId } from '../lib/crypto.js';
import { HttpError } from '../lib/errors.js';
import { checkMediaType } from '../lib/media-policy.js';
import { buildObjectKey } from '../lib/object-key.js';
import { reserveQuota } from '../lib/quota.js';
import { startMultipart } from '../routes/multipart-start.js';
import type { UploadSigner } from '../signers/types.js';
import type { ObjectStore } from '../storage/index.js';
import { allocateStackId, type StackClaim } from './stack-allocation.js';
import type { StackFields } from './stack-fields.js';

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
  /**
   * The body as the contract's schema parsed it (src/contract/requests.ts): a new intent field is read from
   * here, typed by the same schema the CLI builds its request with, so the compiler guards both halves.
   */
  body: BatchIntentFile;
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

/** 413 FILE_TOO_LARGE, then 415 UNSUPPORTED_MEDIA_TYPE; the normalised MIME type. */
export function checkIntentLimits(cfg: ServerConfig, f: IntentFields): string {
  if (f.bytes > cfg.maxBytes) {
    throw new HttpError('FILE_TOO_LARGE', `${f.filename} is ${f.bytes} bytes; the limit is ${cfg.maxBytes} bytes`, {
      filename: f.filename,
      bytes: f.bytes,
      max_bytes: cfg.maxBytes,
    });
  }
  return checkMediaType(f.filename, f.declaredMime).mime;
}

/** The stack claim of a file with a stack_key (SPEC v2 stack identity). */
export function stackClaim(scope: IntentScope, f: IntentFields & { stackKey: string | null }): StackClaim {
  return {
    orderId: scope.order.id,
    roomType: f.roomType,
    stackKey: f.stackKey ?? '',
    proposed: f.stackIdGiven ? f.stackId : null,
    roomLabel: f.roomLabel,
    framesDeclared: f.stackFrames,
  };
}

/** The stack_id of the file: allocated from its stack_key (SPEC v2), else the client's (v1). */
export function stackIdFor(scope: IntentScope, f: IntentFields): Promise<string> | string {
  return f.stackKey ? allocateStackId(scope.env.DB, stackClaim(scope, f)) : f.stackId;
}

/** The intent row of `f` without its object key (status pending, created now). */
export function intentBase(scope: IntentScope, f: IntentFields, mime: string, stackId: string, now: Date): Omit<IntentRow, 'object_key'> {
  return {
    id: newId('in'),
    user_id: scope.user.id,
    order_id: scope.order.id,
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
  };
}

/** The object key of `base` with version `version` (SPEC object key layout, lib/object-key.ts). */
export function objectKeyOf(base: Omit<IntentRow, 'object_key'>, shootcode: string, version: number, at: Date): string {
  return buildObjectKey({
    userId: base.user_id,
    orderId: base.order_id,
    shootcode,
    roomType: base.room_type,
    stackId: base.stack_id,
    version,
    filename: base.filename,
    at,
  });
}

/**
 * Issues the next object key for (order, room, stack) and records the intent under it.
 * Race-free: the version comes from an atomic D1 counter, and UNIQUE(object_key) rejects any
 * duplicate anyway (then the next version is taken). Throws Error after KEY_ATTEMPTS collisions.
 */
export async function recordIntent(db: D1Database, base: Omit<IntentRow, 'object_key'>, shootcode: string, at: Date): Promise<IntentRow> {
  for (let i = 0; i < KEY_ATTEMPTS; i++) {
    const version = await nextKeyVersion(db, base.order_id, base.room_type, base.stack_id);
    const row: IntentRow = { ...base, object_key: objectKeyOf(base, shootcode, version, at) };
    if (await insertIntent(db, row)) return row;
  }
  throw new Error('could not issue a unique object key');
}

/** The answer for a recorded (and quota-checked) intent: multipart start or a signed single PUT. */
export async function answerIntent(scope: IntentScope, intent: IntentRow, now: Date): Promise<IntentResponse> {
  const { cfg } = scope;
  const expiresAt = new Date(now.getTime() + cfg.urlTtlSeconds * 1000);
  if (cfg.multipart && intent.bytes > cfg.multipartThreshold) {
    return { ...(await startMultipart(scope.env.DB, scope.store, cfg, scope.signer, intent, scope.origin, expiresAt)), stack_id: intent.stack_id };
  }
  const signed = await scope.signer.signPut({
    intentId: intent.id,
    objectKey: intent.object_key,
    bytes: intent.bytes,
    mime: intent.mime,
    checksum: intent.checksum,
    expiresAt,
    origin: scope.origin,
  });
  return {
    signed_url: signed.url,
    object_key: intent.object_key,
    headers: signed.headers,
    expires_at: expiresAt.toISOString(),
    stack_id: intent.stack_id,
  } satisfies SingleIntentResponse;
}

/** Issues one intent in `scope` (see the file comment). */
export async function issueIntent(scope: IntentScope, f: IntentFields): Promise<IntentResponse> {
  const { env, cfg, order } = scope;
  const mime = checkIntentLimits(cfg, f);
  if (f.checksum) {
    const existing = await findFileByChecksum(env.DB, order.id, f.checksum);
    if (existing) return { existing_file_id: existing.id, object_key: existing.object_key, stack_id: existing.stack_id } satisfies ExistingIntentResponse;
  }
  const stackId = await stackIdFor(scope, f);
  const now = new Date();
  const intent = await recordIntent(env.DB, intentBase(scope, f, mime, stackId, now), order.shootcode, now);
  await reserveQuota(env.DB, intent, cfg.quotaBytes); // SPEC v2: 413 QUOTA_EXCEEDED, race-safe
  return answerIntent(scope, intent, now);
}
