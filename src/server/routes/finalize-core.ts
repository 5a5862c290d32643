/**
 * The finalize body of `POST /api/uploads/finalize` (routes/finalize.ts) and of each item of
 * `POST /api/uploads/finalize-batch` (routes/finalize-batch.ts): `parseFinalizeFields(body)` — 400
 * VALIDATION_FAILED naming the field. SPEC "POST /api/uploads/finalize", SPEC v2 "POST /api/uploads/finalize-batch"
 * ("each item is checked as a single finalize").
 * The work — checks (403 KEY_FORBIDDEN, 409 OBJECT_MISSING, 422 CHECKSUM_MISMATCH, 400 "replaces", 502
 * STORAGE_ERROR), the File row upsert (idempotent per key, one row per content and order), supersede,
 * processing — is domain/finalize.ts (single and batch), re-exported here for the routes.
 * Answer: FinalizeResponse `{file_id, status: "uploaded"}`.
 */
import { optObject, optString, reqInt, reqString, sha256Field, type Json } from '../lib/validate.js';
import type { FinalizeFields } from '../domain/finalize.js';

export { finalizeAll, finalizeUpload, openFinalizeScope, type FinalizeFields, type FinalizeScope } from '../domain/finalize.js';

/** Validates a finalize body; throws 400 VALIDATION_FAILED naming the field. */
export function parseFinalizeFields(body: Json): FinalizeFields {
  return {
    objectKey: reqString(body, 'object_key', 1024),
    bytes: reqInt(body, 'bytes', 0),
    declared: sha256Field(body, 'checksum', false),
    exif: optObject(body, 'exif_meta'),
    replaces: optString(body, 'replaces', 128),
  };
}
