/**
 * Download tokens of the local signer (SPEC v2 "Downloads": local server HMAC token route
 * `GET /download/<token>`, 15 minutes).
 *
 * token = base64url(JSON payload) "." base64url(HMAC-SHA256(LOCAL_SIGNING_SECRET, "piximmo-download.v1." + payload))
 * payload = {f: file id, k: object key, e: expiry (unix seconds)}. The context string differs from the
 * upload tokens', so an upload token is never a download token or the other way round.
 */
import { base64url, fromBase64url, hmacSha256, timingSafeEqual } from '../lib/crypto.js';

export interface DownloadTokenPayload {
  /** File id. */
  f: string;
  /** Object key. */
  k: string;
  /** Expiry, unix seconds. */
  e: number;
}

const MAC_CONTEXT = 'piximmo-download.v1.';

export async function signDownloadToken(secret: string, payload: DownloadTokenPayload): Promise<string> {
  const body = base64url(new TextEncoder().encode(JSON.stringify(payload)));
  return `${body}.${base64url(await hmacSha256(secret, MAC_CONTEXT + body))}`;
}

/** The payload when the MAC and shape are right; null when forged or malformed. Expiry is not checked here. */
export async function verifyDownloadToken(secret: string, token: string): Promise<DownloadTokenPayload | null> {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const body = token.slice(0, dot);
  try {
    const given = fromBase64url(token.slice(dot + 1));
    if (!timingSafeEqual(given, await hmacSha256(secret, MAC_CONTEXT + body))) return null;
    const p = JSON.parse(new TextDecoder().decode(fromBase64url(body))) as Partial<DownloadTokenPayload>;
    if (typeof p !== 'object' || p === null || typeof p.f !== 'string' || typeof p.k !== 'string' || typeof p.e !== 'number') return null;
    return { f: p.f, k: p.k, e: p.e };
  } catch {
    return null;
  }
}
