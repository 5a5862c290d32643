/**
 * POST /api/uploads/intent (SPEC "POST /api/uploads/intent").
 *
 * Request: IntentRequest `{filename, mime, order_id, room_type?, stack_id?, bytes, checksum?}`.
 * Checks in this order: 401 (auth) → 400 VALIDATION_FAILED (IntentRequestSchema, field named) → 429 RATE_LIMITED
 * (3/s/user via the IntentLimiter DO, `Retry-After`) → 403 ORDER_FORBIDDEN → 413 FILE_TOO_LARGE →
 * 415 UNSUPPORTED_MEDIA_TYPE.
 * Answers: ExistingIntentResponse when the order already holds a finalized file with this checksum;
 * MultipartIntentResponse when bytes > MULTIPART_THRESHOLD (and multipart is enabled);
 * SingleIntentResponse otherwise. The work is done by routes/intent-core.ts, shared with the batch route.
 */
import type { Hono } from 'hono';
import type { IntentResponse } from '../../contract/api.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { validJson } from '../lib/valid.js';
import { IntentRequestSchema } from '../../contract/requests.js';
import { intentFields, issueIntent, openIntentScope } from './intent-core.js';

export function registerIntentRoute(app: Hono<AppEnv>): void {
  app.post('/api/uploads/intent', requireAuth, validJson(IntentRequestSchema), async (c) => {
    const body = c.req.valid('json');
    const scope = await openIntentScope(c, body.order_id);
    return c.json<IntentResponse>(await issueIntent(scope, intentFields(body)));
  });
}
