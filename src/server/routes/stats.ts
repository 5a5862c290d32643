/**
 * GET /api/uploads/stats?since=<ISO 8601> (SPEC v2 "Upload statistics") → UploadStatsResponse, the
 * caller's figures (db/stats.ts). `since` optional (all time); 400 VALIDATION_FAILED field "since" when
 * it is not a date (StatsQuerySchema).
 */
import type { Hono } from 'hono';
import type { UploadStatsResponse } from '../../contract/api.js';
import { uploadStats } from '../db/stats.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { validQuery } from '../lib/valid.js';
import { StatsQuerySchema } from '../../contract/requests.js';

export function registerStatsRoute(app: Hono<AppEnv>): void {
  app.get('/api/uploads/stats', requireAuth, validQuery(StatsQuerySchema), async (c) => {
    const since = c.req.valid('query').since ?? null;
    return c.json<UploadStatsResponse>(await uploadStats(c.env.DB, c.var.user.id, since));
  });
}
