/**
 * Local signer (seed 004 "local storage handler"): URLs `<origin>/upload/<token>` for this Worker's own
 * upload route (routes/upload-local.ts).
 *
 * token = base64url(JSON payload) "." base64url(HMAC-SHA256(LOCAL_SIGNING_SECRET, "piximmo-upload.v1." + payload))
 * payload = {i: intent id, k: object key, b: max bytes, e: expiry (unix seconds), p?: part number}
 * The MAC covers every payload field, so none can be changed without breaking the signature.
 */
import { signMacToken, verifyMacToken } from './mac-token.js';
import { signDownloadToken } from './local-download.js';
import type { GetTarget, PartTarget, PutTarget, SignedPut, UploadSigner } from './types.js';

export interface LocalTokenPayload {
  /** Intent id. */
  i: string;
  /** Object key. */
  k: string;
  /** Max bytes of the body. */
  b: number;
  /** Expiry, unix seconds. */
  e: number;
  /** Part number (multipart only). */
  p?: number;
}

const MAC_CONTEXT = 'piximmo-upload.v1.';

export function signLocalToken(secret: string, payload: LocalTokenPayload): Promise<string> {
  return signMacToken(secret, MAC_CONTEXT, payload);
}

/**
 * Verifies the MAC and shape of a token; returns its payload or null when forged/malformed
 * (→ 403 BAD_SIGNATURE). Does NOT check expiry (the route answers 410 for that).
 */
export function verifyLocalToken(secret: string, token: string): Promise<LocalTokenPayload | null> {
  return verifyMacToken<LocalTokenPayload>(
    secret,
    MAC_CONTEXT,
    token,
    (p) =>
      typeof p.i === 'string' && typeof p.k === 'string' && typeof p.b === 'number' && typeof p.e === 'number' &&
      (p.p === undefined || (typeof p.p === 'number' && Number.isInteger(p.p) && p.p >= 1)),
  );
}

export class LocalSigner implements UploadSigner {
  readonly kind = 'local' as const;
  constructor(private readonly secret: string) {
    if (!secret) throw new Error('LOCAL_SIGNING_SECRET is not set');
  }

  async signPut(t: PutTarget): Promise<SignedPut> {
    return { url: await this.uploadUrl(t), headers: { 'Content-Type': t.mime } };
  }

  signPart(t: PartTarget): Promise<string> {
    return this.uploadUrl(t, t.partNumber);
  }

  /** SPEC v2 download: `<origin>/download/<token>` (routes/download-local.ts). */
  async signGet(t: GetTarget): Promise<string> {
    const token = await signDownloadToken(this.secret, { f: t.fileId, k: t.objectKey, e: Math.floor(t.expiresAt.getTime() / 1000) });
    return `${t.origin}/download/${token}`;
  }

  /** The Worker's own upload route: the origin the request came in on. */
  storageOrigin(requestOrigin: string): string {
    return requestOrigin;
  }

  /** `<origin>/upload/<token>` for the whole object, or for part `part` of a multipart upload. */
  private async uploadUrl(t: PutTarget | PartTarget, part?: number): Promise<string> {
    const token = await signLocalToken(this.secret, {
      i: t.intentId,
      k: t.objectKey,
      b: t.bytes,
      e: Math.floor(t.expiresAt.getTime() / 1000),
      ...(part === undefined ? {} : { p: part }),
    });
    return `${t.origin}/upload/${token}`;
  }
}
