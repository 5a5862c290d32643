/**
 * POST /api/uploads/finalize (SPEC "POST /api/uploads/finalize").
 *
 * Request: FinalizeRequest `{object_key, bytes, checksum, exif_meta?}` (checksum may be omitted; the
 * intent's is used then). Checks: 403 KEY_FORBIDDEN when the key was not issued to the caller
 * (unknown keys too); 409 OBJECT_MISSING when the object is not in storage or its size differs from
 * `bytes`; 422 CHECKSUM_MISMATCH when `checksum` differs from the intent's, or from the stored bytes'
 * SHA-256; 502 STORAGE_ERROR when the object store cannot be asked.
 * The object is checked through the ObjectStore (storage/): with the R2 binding the SHA-256 is the one
 * R2 recorded at put, or — multipart — computed by reading the object once; with an S3 endpoint
 * (`--storage s3`) it is a signed HEAD: size must equal, and the SHA-256 is compared when the store
 * reports `x-amz-checksum-sha256` (it does when the PUT carried the signed checksum header and the store
 * keeps checksums, as R2/S3 do); otherwise (nginx WebDAV, multipart objects) the size only.
 * SPEC v2 "Finalize is bound to its intent": the stored size and finalize's `bytes` must equal the intent's
 * bytes (409 OBJECT_MISSING), finalize's checksum the intent's (422) — see domain/finalize-binding.ts.
 * Optional `replaces: file_id` (SPEC v2): the new file supersedes it (domain/replaces.ts; 400 field
 * "replaces" when it is not a file of this order and caller).
 * Writes the File row (upsert on UNIQUE(object_key): idempotent, concurrent finalizes → one row).
 * Response: FinalizeResponse `{file_id, status: "uploaded"}`.
 */
import type { Hono } from 'hono';
import type { FinalizeResponse } from '../../contract/api.js';
import { upsertFile } from '../db/files.js';
import { getIntentByKey, transitionIntent } from '../db/intents.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { newId } from '../lib/crypto.js';
import { ApiError } from '../lib/errors.js';
import { readConfig } from '../env.js';
import { jsonBody, optObject, optString, reqInt, reqString, sha256Field } from '../lib/validate.js';
import { makeStore } from '../storage/index.js';
import { checkBoundBytes } from '../domain/finalize-binding.js';
import { checkReplaceable, supersede } from '../domain/replaces.js';

function mismatch(objectKey: string, expected: string, actual: string, what: string): ApiError {
  return new ApiError('CHECKSUM_MISMATCH', `${objectKey}: ${what}`, { object_key: objectKey, expected, actual });
}

export function registerFinalizeRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/finalize', requireAuth, async (c) => {
    const user = c.var.user;
    const body = await jsonBody(c);
    const objectKey = reqString(body, 'object_key', 1024);
    const bytes = reqInt(body, 'bytes', 0);
    const declared = sha256Field(body, 'checksum', false);
    const exif = optObject(body, 'exif_meta');
    const replaces = optString(body, 'replaces', 128);

    const intent = await getIntentByKey(c.env.DB, objectKey);
    if (!intent || intent.user_id !== user.id) {
      throw new ApiError('KEY_FORBIDDEN', `object_key ${objectKey} was not issued to you`, { object_key: objectKey });
    }
    if (intent.status === 'expired' || intent.status === 'aborted') {
      throw new ApiError('OBJECT_MISSING', `${objectKey}: the upload ${intent.status}; request a new intent`, {
        object_key: objectKey,
        intent_status: intent.status,
      });
    }
    const replaced = replaces ? await checkReplaceable(c.env.DB, replaces, { userId: user.id, orderId: intent.order_id, objectKey }) : null;
    const store = makeStore(c.env, readConfig(c.env));
    const head = await store.head(objectKey);
    checkBoundBytes(intent, bytes, head);
    if (!head || head.size !== bytes) {
      throw new ApiError(
        'OBJECT_MISSING',
        head ? `${objectKey}: stored object is ${head.size} bytes, not ${bytes}` : `${objectKey}: no object in storage; upload it first`,
        { object_key: objectKey, expected_bytes: bytes, stored_bytes: head ? head.size : null },
      );
    }
    if (declared && intent.checksum && declared !== intent.checksum) {
      throw mismatch(objectKey, intent.checksum, declared, 'checksum differs from the one given at intent');
    }
    const want = declared ?? intent.checksum;
    let stored = head.sha256;
    if (!stored && want && store.hashByRead) {
      stored = await store.hashByRead(objectKey);
      if (stored === null) throw new ApiError('OBJECT_MISSING', `${objectKey}: object vanished`, { object_key: objectKey });
    }
    if (want && stored && want !== stored) throw mismatch(objectKey, want, stored, 'stored bytes do not hash to the declared SHA-256');

    const now = new Date().toISOString();
    const fileId = await upsertFile(c.env.DB, {
      id: newId('f'),
      user_id: user.id,
      order_id: intent.order_id,
      object_key: objectKey,
      filename: intent.filename,
      bytes,
      mime: intent.mime,
      checksum: want ?? stored,
      room_type: intent.room_type,
      stack_id: intent.stack_id,
      room_label: intent.room_label,
      stack_key: intent.stack_key,
      stack_frames: intent.stack_frames,
      replaces: replaced?.id ?? null,
      status: 'uploaded',
      meta: exif ? JSON.stringify(exif) : null,
      created_at: now,
      updated_at: now,
    });
    if (replaced) await supersede(c.env.DB, replaced.id, fileId, new Date());
    await transitionIntent(c.env.DB, intent.id, ['pending', 'uploaded'], 'finalized', new Date());
    return c.json<FinalizeResponse>({ file_id: fileId, status: 'uploaded' });
  });
}
