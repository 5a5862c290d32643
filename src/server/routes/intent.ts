/**
 * POST /api/uploads/intent (SPEC "POST /api/uploads/intent").
 *
 * Request: IntentRequest `{filename, mime, order_id, room_type?, stack_id?, bytes, checksum?}`.
 * Checks in this order: 401 (auth) → 400 VALIDATION_FAILED (field named) → 429 RATE_LIMITED
 * (3/s/user via the IntentLimiter DO, `Retry-After`) → 403 ORDER_FORBIDDEN → 413 FILE_TOO_LARGE →
 * 415 UNSUPPORTED_MEDIA_TYPE.
 * Answers: ExistingIntentResponse when the order already holds a finalized file with this checksum;
 * MultipartIntentResponse when bytes > MULTIPART_THRESHOLD; SingleIntentResponse otherwise.
 */
import type { Hono } from 'hono';
import type { ExistingIntentResponse, IntentResponse, SingleIntentResponse } from '../../contract/api.js';
import { findFileByChecksum } from '../db/files.js';
import { insertIntent, nextKeyVersion, type IntentRow } from '../db/intents.js';
import { findOwnedOrder } from '../db/users.js';
import { readConfig } from '../env.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { newId } from '../lib/crypto.js';
import { ApiError, invalid } from '../lib/errors.js';
import { checkMediaType } from '../lib/media-policy.js';
import { buildObjectKey, roomSlug, stackSlug } from '../lib/object-key.js';
import { requestOrigin } from '../lib/origin.js';
import { jsonBody, optString, reqInt, reqString, sha256Field } from '../lib/validate.js';
import { checkIntentRate } from '../ratelimit/check.js';
import { makeSigner } from '../signers/index.js';
import { startMultipart } from './multipart-start.js';

/** Attempts at issuing a unique key before giving up (each takes a fresh version). */
const KEY_ATTEMPTS = 5;

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

function checkFilename(filename: string): void {
  if (/[/\\\u0000-\u001f]/.test(filename)) throw invalid('filename', 'filename must be a plain file name (no path, no control characters)');
}

export function registerIntentRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/intent', requireAuth, async (c) => {
    const cfg = readConfig(c.env);
    const user = c.var.user;
    const body = await jsonBody(c);
    const filename = reqString(body, 'filename', 255);
    checkFilename(filename);
    const declaredMime = reqString(body, 'mime', 255);
    const orderId = reqString(body, 'order_id', 128);
    const roomType = roomSlug(optString(body, 'room_type'));
    const stackId = stackSlug(optString(body, 'stack_id'));
    const bytes = reqInt(body, 'bytes', 0);
    const checksum = sha256Field(body, 'checksum', false) ?? null;

    await checkIntentRate(c.env, user.id, cfg.intentRate);

    const order = await findOwnedOrder(c.env.DB, orderId, user.id);
    if (!order) throw new ApiError('ORDER_FORBIDDEN', `order ${orderId} is not yours (or does not exist)`, { order_id: orderId });

    if (bytes > cfg.maxBytes) {
      throw new ApiError(
        'FILE_TOO_LARGE',
        `${filename} is ${bytes} bytes; the limit is ${cfg.maxBytes} bytes`,
        { filename, bytes, max_bytes: cfg.maxBytes },
      );
    }
    const { mime } = checkMediaType(filename, declaredMime);

    if (checksum) {
      const existing = await findFileByChecksum(c.env.DB, order.id, checksum);
      if (existing) {
        const r: ExistingIntentResponse = { existing_file_id: existing.id, object_key: existing.object_key };
        return c.json<IntentResponse>(r);
      }
    }

    const now = new Date();
    const expiresAt = new Date(now.getTime() + cfg.urlTtlSeconds * 1000);
    const intent = await recordIntent(
      c.env.DB,
      {
        id: newId('in'),
        user_id: user.id,
        order_id: order.id,
        filename,
        mime,
        bytes,
        checksum,
        room_type: roomType,
        stack_id: stackId,
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
    const signer = makeSigner(c.env, cfg);
    const origin = requestOrigin(c.req.raw, signer.kind === 'local');

    if (bytes > cfg.multipartThreshold) {
      return c.json<IntentResponse>(await startMultipart(c.env, cfg, signer, intent, origin, expiresAt));
    }
    const signed = await signer.signPut({
      intentId: intent.id,
      objectKey: intent.object_key,
      bytes,
      mime,
      checksum,
      expiresAt,
      origin,
    });
    const r: SingleIntentResponse = {
      signed_url: signed.url,
      object_key: intent.object_key,
      headers: signed.headers,
      expires_at: expiresAt.toISOString(),
    };
    return c.json<IntentResponse>(r);
  });
}
