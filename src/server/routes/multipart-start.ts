/**
 * Multipart helpers (SPEC "Multipart"): part URL signing and starting the multipart
 * upload (R2 binding or S3 CreateMultipartUpload, via the ObjectStore) of an intent whose bytes exceed
 * MULTIPART_THRESHOLD.
 * Part arithmetic (sizes, counts, the 10,000-part cap) is the contract's, shared with the CLI: src/contract/parts.ts.
 */
import type { MultipartIntentResponse, PartUrl } from '../../contract/api.js';
import { setMultipart, type IntentRow } from '../db/intents.js';
import { effectivePartSize, partCount, partRange } from '../../contract/parts.js';
import type { ServerConfig } from '../env.js';
import type { ObjectStore } from '../storage/index.js';
import type { UploadSigner } from '../signers/types.js';

/** Signed URLs for the given part numbers of a multipart intent (which must have upload_id and part_size). */
export async function signParts(
  signer: UploadSigner,
  intent: IntentRow,
  numbers: number[],
  origin: string,
  expiresAt: Date,
): Promise<PartUrl[]> {
  if (!intent.upload_id || !intent.part_size) throw new Error(`intent ${intent.id} is not multipart`);
  const out: PartUrl[] = [];
  for (const n of numbers) {
    const url = await signer.signPart({
      intentId: intent.id,
      objectKey: intent.object_key,
      uploadId: intent.upload_id,
      partNumber: n,
      bytes: partRange(n, intent.bytes, intent.part_size).length,
      expiresAt,
      origin,
    });
    out.push({ part_number: n, url });
  }
  return out;
}

/**
 * Creates the multipart upload for `intent` in the store, records it, and returns all part URLs.
 * Throws HttpError 502 STORAGE_ERROR when the store refuses (S3 mode).
 */
export async function startMultipart(
  db: D1Database,
  store: ObjectStore,
  cfg: ServerConfig,
  signer: UploadSigner,
  intent: IntentRow,
  origin: string,
  expiresAt: Date,
): Promise<MultipartIntentResponse> {
  const partSize = effectivePartSize(intent.bytes, cfg.partSize);
  const uploadId = await store.createMultipart(intent.object_key, intent.mime, intent.id);
  await setMultipart(db, intent.id, uploadId, partSize, new Date());
  const withUpload: IntentRow = { ...intent, upload_id: uploadId, part_size: partSize };
  const numbers = Array.from({ length: partCount(intent.bytes, partSize) }, (_, i) => i + 1);
  return {
    object_key: intent.object_key,
    multipart: { upload_id: uploadId, part_size: partSize, parts: await signParts(signer, withUpload, numbers, origin, expiresAt) },
    expires_at: expiresAt.toISOString(),
  };
}
