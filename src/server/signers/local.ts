/**
 * Local signer (seed 004 "local storage handler"): URLs `<origin>/upload/<token>` for this Worker's own
 * upload route (routes/upload-local.ts).
 *
 * token = base64url(JSON payload) "." base64url(HMAC-SHA256(LOCAL_SIGNING_SECRET, "piximmo-upload.v1." + payload))
 * payload = {i: intent id, k: object key, b: max bytes, e: expiry (unix seconds), p?: part number}
 * The MAC covers every payload field, so none can be changed without breaking the signature.
 */
import { base64url, fromBase64url, hmacSha256, timingSafeEqual } from '../lib/crypto.js';
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

export async function signLocalToken(secret: string, payload: LocalTokenPayload): Promise<string> {
  const body = base64url(new TextEncoder().encode(JSON.stringify(payload)));
  const mac = await hmacSha256(secret, MAC_CONTEXT + body);
  return `${body}.${base64url(mac)}`;
}

/**
 * Verifies the MAC and shape of a token; returns its payload or null when forged/malformed
 * (→ 403 BAD_SIGNATURE). Does NOT check expiry (the route answers 410 for that).
 */
export async function verifyLocalToken(secret: string, token: string): Promise<LocalTokenPayload | null> {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const body = token.slice(0, dot);
  let given: Uint8Array;
  let json: unknown;
  try {
    given = fromBase64url(token.slice(dot + 1));
    const expected = await hmacSha256(secret, MAC_CONTEXT + body);
    if (!timingSafeEqual(given, expected)) return null;
    json = JSON.parse(new TextDecoder().decode(fromBase64url(body)));
  } catch {
    return null;
  }
  const p = json as Partial<LocalTokenPayload>;
  if (typeof p !== 'object' || p === null) return null;
  if (typeof p.i !== 'string' || typeof p.k !== 'string' || typeof p.b !== 'number' || typeof p.e !== 'number') return null;
  if (p.p !== undefined && (typeof p.p !== 'number' || !Number.isInteger(p.p) || p.p < 1)) return null;
  return p as LocalTokenPayload;
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
