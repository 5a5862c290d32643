/**
 * POST /api/uploads/finalize (SPEC "POST /api/uploads/finalize").
 *
 * Request: FinalizeRequest `{object_key, bytes, checksum, exif_meta?}` (checksum may be omitted; the
 * intent's is used then), parsed by FinalizeRequestSchema (400 naming the field). Checks and answers: routes/finalize-core.ts (shared with finalize-batch):
 * 400, 403 KEY_FORBIDDEN, 409 OBJECT_MISSING, 422 CHECKSUM_MISMATCH, 502 STORAGE_ERROR.
 * Response: FinalizeResponse `{file_id, status: "uploaded"}`.
 */
import type { Hono } from 'hono';
import type { FinalizeResponse } from '../../contract/api.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { validJson } from '../lib/valid.js';
import { FinalizeRequestSchema } from '../../contract/requests.js';
import { finalizeFields, finalizeUpload } from './finalize-core.js';

export function registerFinalizeRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/finalize', requireAuth, validJson(FinalizeRequestSchema), async (c) => {
    const scope = { env: c.env, user: c.var.user, store: c.var.services.store };
    return c.json<FinalizeResponse>(await finalizeUpload(scope, finalizeFields(c.req.valid('json'))));
  });
}
