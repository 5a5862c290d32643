/**
 * Multipart helpers (SPEC "Multipart"): part arithmetic, part URL signing, and starting the multipart
 * upload (R2 binding or S3 CreateMultipartUpload, via the ObjectStore) of an intent whose bytes exceed
 * MULTIPART_THRESHOLD.
 * Parts are `part_size` bytes (>= 5 MiB), all equal but the last; at most 10,000 parts (the part size
 * is raised, in whole MiB, when the configured one would need more).
 */
import type { MultipartIntentResponse, PartUrl } from '../../contract/api.js';
import { setMultipart, type IntentRow } from '../db/intents.js';
import { MAX_PARTS, type ServerConfig } from '../env.js';
import type { ObjectStore } from '../storage/index.js';
import type { UploadSigner } from '../signers/types.js';

const MiB = 1024 * 1024;

/** Part size for a file of `bytes`: `configured`, raised to whole MiB if it would need > 10,000 parts. */
export function effectivePartSize(bytes: number, configured: number): number {
  if (Math.ceil(bytes / configured) <= MAX_PARTS) return configured;
  return Math.ceil(bytes / MAX_PARTS / MiB) * MiB;
}

/** Number of parts (>= 1). */
export function partCount(bytes: number, partSize: number): number {
  return Math.max(1, Math.ceil(bytes / partSize));
}

/** Exact size of part `n` (1-based) in bytes. */
export function partBytes(bytes: number, partSize: number, n: number): number {
  return Math.max(0, Math.min(partSize, bytes - (n - 1) * partSize));
}

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
      bytes: partBytes(intent.bytes, intent.part_size, n),
      expiresAt,
      origin,
    });
    out.push({ part_number: n, url });
  }
  return out;
}

/**
 * Creates the multipart upload for `intent` in the store, records it, and returns all part URLs.
 * Throws ApiError 502 STORAGE_ERROR when the store refuses (S3 mode).
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
