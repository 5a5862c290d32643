/**
 * SPEC v2 "Hardening", registered before every route (app.ts): JSON bodies over 1 MiB → 413
 * PAYLOAD_TOO_LARGE before they are read in full (Content-Length checked first; a chunked body is counted
 * as it streams and cut off at the limit), and per-IP rate limits on the unauthenticated routes (the
 * unknown-token limit sits in lib/auth.ts, where a token is found unknown).
 * The file PUTs (`/upload/<token>`) are not JSON and keep their own limits (MAX_BYTES).
 */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './lib/app-env.js';
import { HttpError, errorResponse } from './lib/errors.js';
import { ipRateLimit } from './ratelimit/ip-limit.js';

/** Largest JSON (or form) body the API reads, bytes: 1 MiB. */
export const MAX_JSON_BODY = 1024 * 1024;

export function registerHardening(app: Hono<AppEnv>): void {
  const limit = bodyLimit({
    maxSize: MAX_JSON_BODY,
    onError: () =>
      errorResponse(new HttpError('PAYLOAD_TOO_LARGE', `request body is larger than ${MAX_JSON_BODY} bytes (1 MiB)`, { max_bytes: MAX_JSON_BODY })),
  });
  app.use('/api/*', limit);
  app.use('/device', limit);
  app.use('/app/*', limit);
  app.post('/api/auth/device/code', ipRateLimit('device-code'));
  app.post('/api/auth/device/token', ipRateLimit('device-token'));
  app.use('/device', ipRateLimit('approval'));
}
