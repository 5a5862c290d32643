/**
 * Download tokens of the local signer (SPEC v2 "Downloads": local server HMAC token route
 * `GET /download/<token>`, 15 minutes).
 *
 * token: signers/mac-token.ts with context "piximmo-download.v1."
 * payload = {f: file id, k: object key, e: expiry (unix seconds)}. The context string differs from the
 * upload tokens', so an upload token is never a download token or the other way round.
 */
import { signMacToken, verifyMacToken } from './mac-token.js';

export interface DownloadTokenPayload {
  /** File id. */
  f: string;
  /** Object key. */
  k: string;
  /** Expiry, unix seconds. */
  e: number;
}

const MAC_CONTEXT = 'piximmo-download.v1.';

export function signDownloadToken(secret: string, payload: DownloadTokenPayload): Promise<string> {
  return signMacToken(secret, MAC_CONTEXT, payload);
}

/** The payload when the MAC and shape are right; null when forged or malformed. Expiry is not checked here. */
export function verifyDownloadToken(secret: string, token: string): Promise<DownloadTokenPayload | null> {
  return verifyMacToken<DownloadTokenPayload>(secret, MAC_CONTEXT, token, (p) => typeof p.f === 'string' && typeof p.k === 'string' && typeof p.e === 'number');
}
