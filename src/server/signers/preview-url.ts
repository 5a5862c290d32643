/**
 * Signed GET URLs of preview objects (SPEC v2 "Previews": `url` of GET /api/files/:file_id/preview),
 * 15 minutes:
 * - local signer (SIGNER "local"): `<origin>/preview/<token>` served by routes/preview-get.ts;
 *   token = base64url(JSON {f: file id, s: size, e: expiry unix s}) "." base64url(HMAC-SHA256(
 *   LOCAL_SIGNING_SECRET, "piximmo-preview.v1." + payload)) — the upload tokens' scheme (signers/local.ts)
 *   with its own MAC context, so an upload token is never a preview token and vice versa;
 * - S3 signer: a SigV4 presigned GET of `previews/<file_id>/<size>.jpg`.
 */
import { signMacToken, verifyMacToken } from './mac-token.js';
import { isPreviewSize, previewKey, type PreviewSize } from '../processing/preview-sizes.js';
import type { Env } from '../env.js';
import { objectUrl, presignS3 } from './s3.js';
import { s3Settings } from '../storage/index.js';

/** SPEC v2: preview (and download) URLs live 15 minutes. */
export const PREVIEW_URL_TTL_SECONDS = 15 * 60;

export interface PreviewTokenPayload {
  /** File id. */
  f: string;
  s: PreviewSize;
  /** Expiry, unix seconds. */
  e: number;
}

const MAC_CONTEXT = 'piximmo-preview.v1.';

export function signPreviewToken(secret: string, p: PreviewTokenPayload): Promise<string> {
  return signMacToken(secret, MAC_CONTEXT, p);
}

/** The payload of a genuine token, or null (forged, malformed). Expiry is the caller's check (→ 410). */
export function verifyPreviewToken(secret: string, token: string): Promise<PreviewTokenPayload | null> {
  return verifyMacToken<PreviewTokenPayload>(secret, MAC_CONTEXT, token, (p) => typeof p.f === 'string' && isPreviewSize(p.s) && typeof p.e === 'number');
}

/** The signed URL of the preview `size` of `fileId`, expiring at `expiresAt`. Throws Error when misconfigured. */
export async function signPreviewUrl(env: Env, signer: 'local' | 's3', origin: string, fileId: string, size: PreviewSize, expiresAt: Date): Promise<string> {
  if (signer === 's3') {
    const cfg = s3Settings(env);
    return presignS3(cfg, {
      method: 'GET',
      url: objectUrl(cfg.endpoint, cfg.bucket, previewKey(fileId, size)),
      expiresSeconds: Math.round((expiresAt.getTime() - Date.now()) / 1000),
      now: new Date(),
    });
  }
  const secret = env.LOCAL_SIGNING_SECRET;
  if (!secret) throw new Error('LOCAL_SIGNING_SECRET is not set');
  const token = await signPreviewToken(secret, { f: fileId, s: size, e: Math.floor(expiresAt.getTime() / 1000) });
  return `${origin}/preview/${token}`;
}
