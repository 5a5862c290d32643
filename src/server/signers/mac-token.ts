/**
 * The local signer's URL tokens (upload, download, preview; SPEC "PUT signed_url", v2 "Downloads",
 * "Previews"): `base64url(JSON payload) "." base64url(HMAC-SHA256(LOCAL_SIGNING_SECRET, context + payload))`.
 * Each kind has its own `context` string ("piximmo-upload.v1." …), so a token of one kind is never
 * accepted as another. Expiry is inside the payload and is the route's check (410), not this module's.
 */
import { base64url, fromBase64url, hmacSha256, timingSafeEqual } from '../lib/crypto.js';

/** The token of `payload` under `context`. */
export async function signMacToken(secret: string, context: string, payload: object): Promise<string> {
  const body = base64url(new TextEncoder().encode(JSON.stringify(payload)));
  return `${body}.${base64url(await hmacSha256(secret, context + body))}`;
}

/**
 * The payload of a genuine token of `context` whose shape `isPayload` accepts; null when forged, of another
 * kind or malformed (→ 403 BAD_SIGNATURE). Never throws.
 */
export async function verifyMacToken<T>(secret: string, context: string, token: string, isPayload: (p: Record<string, unknown>) => boolean): Promise<T | null> {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const body = token.slice(0, dot);
  try {
    if (!timingSafeEqual(fromBase64url(token.slice(dot + 1)), await hmacSha256(secret, context + body))) return null;
    const p: unknown = JSON.parse(new TextDecoder().decode(fromBase64url(body)));
    if (typeof p !== 'object' || p === null || Array.isArray(p) || !isPayload(p as Record<string, unknown>)) return null;
    return p as T;
  } catch {
    return null;
  }
}
