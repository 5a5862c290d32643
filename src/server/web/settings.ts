/**
 * Settings of the web uploader (SPEC "The web uploader"; seed 000 "Nur Bilder/Videos zulassen …;
 * konfigurierbar", "Max. gleichzeitige Uploads: 3–5 (Queue)"), from the Worker's vars (src/server/env.ts):
 * - WEB_TYPES: comma-separated extensions; default SPEC v2 "Types" (the seed's list plus the common RAW
 *   formats). Every entry must be one the API accepts (SERVER_ALLOWED_TYPES), else Error.
 * - WEB_CONCURRENCY: uploads at once, an integer 3…5; default 4. Else Error.
 * - WEB_SIGNIN_USERS: "on" = /app offers the seeded users (local server only); default off (production
 *   signs in with a device token).
 * Max bytes and multipart come from the API's own config (env.ts readConfig), so page and API agree.
 */
import { DEFAULT_TYPES, RAW_TYPES, SERVER_ALLOWED_TYPES } from '../../contract/media.js';
import type { Env } from '../env.js';

export interface WebSettings {
  /** Lower-case extensions without the dot. */
  types: string[];
  /** 3…5. */
  concurrency: number;
  /** Seeded users offered at sign-in (local server only). */
  signinUsers: boolean;
}

/** SPEC v2 "Types": jpg, jpeg, png, heic, dng, mp4, mov, cr2, cr3, nef, arw, raf, rw2, orf. */
export const WEB_DEFAULT_TYPES: readonly string[] = [...new Set([...DEFAULT_TYPES, ...RAW_TYPES])];

/** Parses the WEB_* vars; throws Error on an unusable value (a misconfigured deployment fails loudly). */
export function readWebSettings(env: Env): WebSettings {
  let types = [...WEB_DEFAULT_TYPES];
  if (env.WEB_TYPES) {
    types = [...new Set(env.WEB_TYPES.split(',').map((t) => t.trim().toLowerCase().replace(/^\./, '')).filter(Boolean))];
    const bad = types.filter((t) => !SERVER_ALLOWED_TYPES.includes(t));
    if (types.length === 0 || bad.length) throw new Error(`WEB_TYPES: not accepted by the API: ${bad.join(', ') || '(empty)'}`);
  }
  let concurrency = 4;
  if (env.WEB_CONCURRENCY) {
    concurrency = Number(env.WEB_CONCURRENCY);
    if (!Number.isInteger(concurrency) || concurrency < 3 || concurrency > 5) {
      throw new Error(`WEB_CONCURRENCY must be 3, 4 or 5, got "${env.WEB_CONCURRENCY}"`);
    }
  }
  return { types, concurrency, signinUsers: (env.WEB_SIGNIN_USERS ?? '').toLowerCase() === 'on' };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether /app may offer the seeded users for this request: the WEB_SIGNIN_USERS setting, and — defence in
 * depth against a setting copied into production by mistake — only on a development server: the local
 * signer, or a request to a loopback host.
 */
export function seededSignInAllowed(settings: WebSettings, signer: 'local' | 's3', requestUrl: string): boolean {
  return settings.signinUsers && (signer === 'local' || LOOPBACK.has(new URL(requestUrl).hostname));
}
