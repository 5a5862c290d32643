/**
 * The one code path that finalizes an upload, shared by `POST /api/uploads/finalize` (routes/finalize.ts)
 * and `POST /api/uploads/finalize-batch` (routes/finalize-batch.ts). SPEC "POST /api/uploads/finalize",
 * SPEC v2 "POST /api/uploads/finalize-batch" ("each item is checked as a single finalize").
 *
 * The body was parsed by the contract's FinalizeRequestSchema (src/contract/requests.ts; 400 VALIDATION_FAILED
 * naming the field); `finalizeFields(body)` maps it.
 * `finalizeUpload(scope, fields)` — 403 KEY_FORBIDDEN when the key was not issued to the caller (unknown
 * keys too); 409 OBJECT_MISSING when the intent expired/aborted, the object is not in storage or its size
 * differs from `bytes`; 422 CHECKSUM_MISMATCH when `checksum` differs from the intent's, or from the
 * stored bytes' SHA-256; 502 STORAGE_ERROR when the object store cannot be asked.
 * The object is checked through the ObjectStore (storage/): with the R2 binding the SHA-256 is the one
 * R2 recorded at put, or — multipart — computed by reading the object once; with an S3 endpoint
 * (`--storage s3`) it is a signed HEAD: size must equal, and the SHA-256 is compared when the store
 * reports `x-amz-checksum-sha256` (it does when the PUT carried the signed checksum header and the store
 * keeps checksums, as R2/S3 do); otherwise (nginx WebDAV, multipart objects) the size only.
 * SPEC v2 "Finalize is bound to its intent": the stored size and finalize's `bytes` must equal the intent's
 * bytes (409 OBJECT_MISSING), finalize's checksum the intent's (422) — see domain/finalize-binding.ts.
 * Optional `replaces: file_id` (SPEC v2): the new file supersedes it (domain/replaces.ts; 400 field
 * "replaces" when it is not a file of this order and caller).
 * Writes the File row (upsert on UNIQUE(object_key): idempotent, concurrent finalizes → one row; and on
 * UNIQUE(order, checksum) among listed files: the same content twice → one row, the redundant object is
 * removed), with `intent_at` = the intent's creation time (statistics: intent → finalize), then queues
 * processing (SPEC v2 "Previews").
 * Answer: FinalizeResponse `{file_id, status: "uploaded"}`.
 */
import type { ExifMeta, FinalizeRequest, FinalizeResponse } from '../../contract/api.js';
import { getFileById, upsertFile } from '../db/files.js';
import { checkBoundBytes } from '../domain/finalize-binding.js';
import { checkReplaceable, supersede } from '../domain/replaces.js';
import { enqueueAfterFinalize } from '../processing/enqueue.js';
import { getIntentByKey, transitionIntent } from '../db/intents.js';
import type { UserRow } from '../db/users.js';
import type { Env } from '../env.js';
import { newId } from '../lib/crypto.js';
import { ApiError } from '../lib/errors.js';
import type { ObjectStore } from '../storage/index.js';

/** The validated fields of one finalize body. */
export interface FinalizeFields {
  objectKey: string;
  /** Bytes. */
  bytes: number;
  /** SHA-256 lower-case hex, or undefined (the intent's is used then). */
  declared: string | undefined;
  exif: ExifMeta | undefined;
  /** SPEC v2: file_id of the version this upload supersedes. */
  replaces: string | undefined;
}

/** What every finalize of one request shares. */
export interface FinalizeScope {
  env: Env;
  user: UserRow;
  store: ObjectStore;
}

/** The fields of a parsed finalize body (FinalizeRequestSchema). */
export function finalizeFields(body: FinalizeRequest): FinalizeFields {
  return {
    objectKey: body.object_key,
    bytes: body.bytes,
    declared: body.checksum ?? undefined,
    exif: body.exif_meta ?? undefined,
    replaces: body.replaces ?? undefined,
  };
}

function mismatch(objectKey: string, expected: string, actual: string, what: string): ApiError {
  return new ApiError('CHECKSUM_MISMATCH', `${objectKey}: ${what}`, { object_key: objectKey, expected, actual });
}

/** Finalizes one upload in `scope` (checks in the file comment's order). Throws ApiError. */
export async function finalizeUpload(scope: FinalizeScope, f: FinalizeFields): Promise<FinalizeResponse> {
  const { env, user, store } = scope;
  const { objectKey, bytes, declared, exif, replaces } = f;
  const intent = await getIntentByKey(env.DB, objectKey);
  if (!intent || intent.user_id !== user.id) {
    throw new ApiError('KEY_FORBIDDEN', `object_key ${objectKey} was not issued to you`, { object_key: objectKey });
  }
  if (intent.status === 'expired' || intent.status === 'aborted') {
    throw new ApiError('OBJECT_MISSING', `${objectKey}: the upload ${intent.status}; request a new intent`, {
      object_key: objectKey,
      intent_status: intent.status,
    });
  }
  const replaced = replaces ? await checkReplaceable(env.DB, replaces, { userId: user.id, orderId: intent.order_id, objectKey }) : null;
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
  const rowId = newId('f');
  const fileId = await upsertFile(env.DB, {
    id: rowId,
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
    intent_at: intent.created_at,
    created_at: now,
    updated_at: now,
  });
  if (replaced) await supersede(env.DB, replaced.id, fileId, new Date());
  await transitionIntent(env.DB, intent.id, ['pending', 'uploaded'], 'finalized', new Date());
  if (fileId !== rowId) {
    // The content was already listed under another key (see upsertFile): this copy is redundant.
    const kept = await getFileById(env.DB, fileId);
    if (kept && kept.object_key !== objectKey) await store.delete(objectKey).catch(() => undefined);
  }
  // SPEC v2 "Previews": processing starts after finalize (a repeated finalize may enqueue again; the
  // consumer ignores files that are already processed).
  await enqueueAfterFinalize(env, [fileId]);
  return { file_id: fileId, status: 'uploaded' };
}
