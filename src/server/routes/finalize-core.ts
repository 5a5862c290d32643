/**
 * The finalize body of `POST /api/uploads/finalize` (routes/finalize.ts) and of each item of
 * `POST /api/uploads/finalize-batch` (routes/finalize-batch.ts). SPEC "POST /api/uploads/finalize", SPEC v2
 * "POST /api/uploads/finalize-batch" ("each item is checked as a single finalize").
 *
 * The body was parsed by the contract's FinalizeRequestSchema (src/contract/requests.ts, lib/valid.ts: 400
 * VALIDATION_FAILED naming the field); `finalizeFields(body)` maps it. The work — checks (403 KEY_FORBIDDEN,
 * 409 OBJECT_MISSING, 422 CHECKSUM_MISMATCH, 400 "replaces", 502 STORAGE_ERROR), the File row upsert
 * (idempotent per key, one row per content and order), supersede, processing — is domain/finalize.ts (single
 * and batch), re-exported here for the routes.
 * Answer: FinalizeResponse `{file_id, status: "uploaded"}`.
 */
import type { FinalizeRequest } from '../../contract/api.js';
import type { FinalizeFields } from '../domain/finalize.js';

export { finalizeAll, finalizeUpload, type FinalizeFields, type FinalizeScope } from '../domain/finalize.js';

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
