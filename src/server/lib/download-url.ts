/**
 * Signed download URLs of stored originals (SPEC v2 "Downloads"): 15 minutes, through the signer
 * interface (local: HMAC token route `GET /download/<token>`; s3: SigV4 presigned GET), used by
 * `GET /api/files/:file_id/download` and by the listing's `with_urls=1`.
 */
import type { FileRow } from '../db/files.js';
import type { UploadSigner } from '../signers/types.js';

/** SPEC v2: download URLs live 15 minutes. */
export const DOWNLOAD_TTL_MS = 15 * 60 * 1000;

export interface SignedDownload {
  url: string;
  expiresAt: Date;
}

export async function signDownload(signer: UploadSigner, file: FileRow, origin: string, now = new Date()): Promise<SignedDownload> {
  const expiresAt = new Date(now.getTime() + DOWNLOAD_TTL_MS);
  const url = await signer.signGet({
    fileId: file.id,
    objectKey: file.object_key,
    filename: file.filename,
    mime: file.mime,
    expiresAt,
    origin,
  });
  return { url, expiresAt };
}
