/**
 * GET /api/uploads/stats?since=<ISO 8601> (SPEC v2 "Upload statistics") → UploadStatsResponse, the
 * caller's figures (db/stats.ts). `since` optional (all time); 400 VALIDATION_FAILED field "since" when
 * it is not a date.
 */
import type { Hono } from 'hono';
import type { UploadStatsResponse } from '../../contract/api.js';
import { uploadStats } from '../db/stats.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { invalid } from '../lib/errors.js';

export function registerStatsRoute(app: Hono<AppEnv>): void {
  app.get('/api/uploads/stats', requireAuth, async (c) => {
    const raw = c.req.query('since');
    let since: string | null = null;
    if (raw) {
      const t = Date.parse(raw);
      if (!Number.isFinite(t)) throw invalid('since', 'since must be an ISO 8601 date, e.g. 2025-11-10T00:00:00Z');
      since = new Date(t).toISOString();
    }
    return c.json<UploadStatsResponse>(await uploadStats(c.env.DB, c.var.user.id, since));
  });
}
