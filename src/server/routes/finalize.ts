/**
 * POST /api/uploads/finalize (SPEC "POST /api/uploads/finalize").
 *
 * Request: FinalizeRequest `{object_key, bytes, checksum, exif_meta?}` (checksum may be omitted; the
 * intent's is used then). Checks and answers: routes/finalize-core.ts (shared with finalize-batch):
 * 400, 403 KEY_FORBIDDEN, 409 OBJECT_MISSING, 422 CHECKSUM_MISMATCH, 502 STORAGE_ERROR.
 * Response: FinalizeResponse `{file_id, status: "uploaded"}`.
 */
import type { Hono } from 'hono';
import type { FinalizeResponse } from '../../contract/api.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { jsonBody } from '../lib/validate.js';
import { finalizeUpload, openFinalizeScope, parseFinalizeFields } from './finalize-core.js';

export function registerFinalizeRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/finalize', requireAuth, async (c) => {
    const fields = parseFinalizeFields(await jsonBody(c));
    return c.json<FinalizeResponse>(await finalizeUpload(openFinalizeScope(c.env, c.var.user), fields));
  });
}
