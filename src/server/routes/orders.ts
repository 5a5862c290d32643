/**
 * Read routes (SPEC "GET /api/orders/:id/files"):
 * - GET /api/me → MeResponse `{user_id, name, quota: {bytes_used, bytes_limit}, malware_scan, storage_origin}`
 *   (SPEC v2 quotas; issue 16: whether uploads are scanned, so clients know whether to wait for the verdict;
 *   issue 15: where the signed upload URLs will point, so a client can connect there while it plans)
 * - GET /api/orders → OrdersResponse `{orders: [{id, shootcode, file_count}]}` (the caller's; file_count
 *   counts finalized files)
 * - GET /api/orders/:id/files → FileListResponse, finalized files only, oldest first, in pages with
 *   filters (routes/file-list.ts); 403 ORDER_FORBIDDEN for a foreign or unknown order. Listed as soon as
 *   finalize returned (same D1).
 */
import type { Hono } from 'hono';
import type { MeResponse, OrdersResponse } from '../../contract/api.js';
import { quotaFigures } from '../db/quota.js';
import { listOrdersWithCounts } from '../db/users.js';
import { FileListQuerySchema } from '../../contract/requests.js';
import { parseScanner } from '../scan/config.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { validQuery } from '../lib/valid.js';
import { listOrderFiles } from './file-list.js';

export function registerOrderRoutes(app: Hono<AppEnv>): void {
  app.get('/api/me', requireAuth, async (c) => {
    const u = c.var.user;
    const r: MeResponse = { user_id: u.id };
    if (u.name) r.name = u.name;
    r.quota = await quotaFigures(c.env.DB, u.id, c.var.services.cfg.quotaBytes);
    r.malware_scan = parseScanner(c.env.SCANNER).kind !== 'none';
    r.storage_origin = storageOrigin(c.var.services);
    return c.json<MeResponse>(r);
  });

  app.get('/api/orders', requireAuth, async (c) => {
    const orders = await listOrdersWithCounts(c.env.DB, c.var.user.id);
    return c.json<OrdersResponse>({ orders });
  });

  app.get('/api/orders/:id/files', requireAuth, validQuery(FileListQuerySchema), (c) => listOrderFiles(c, c.req.valid('query')));
}

/** Where signed upload URLs point; undefined when the signer cannot be made (its error belongs to the intent routes). */
function storageOrigin(services: { readonly signer: { storageOrigin(o: string): string }; readonly origin: string }): string | undefined {
  try {
    return services.signer.storageOrigin(services.origin);
  } catch {
    return undefined;
  }
}
