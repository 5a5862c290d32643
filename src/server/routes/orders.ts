/**
 * Read routes (SPEC "GET /api/orders/:id/files"):
 * - GET /api/me → MeResponse `{user_id, name}`
 * - GET /api/orders → OrdersResponse `{orders: [{id, shootcode, file_count}]}` (the caller's; file_count
 *   counts finalized files)
 * - GET /api/orders/:id/files → FileListResponse, finalized files only, oldest first; 403
 *   ORDER_FORBIDDEN for a foreign or unknown order. Listed as soon as finalize returned (same D1).
 */
import type { Hono } from 'hono';
import type { FileListResponse, MeResponse, OrdersResponse } from '../../contract/api.js';
import { listFiles } from '../db/files.js';
import { findOwnedOrder, listOrdersWithCounts } from '../db/users.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { ApiError } from '../lib/errors.js';

export function registerOrderRoutes(app: Hono<AppEnv>): void {
  app.get('/api/me', requireAuth, (c) => {
    const u = c.var.user;
    const r: MeResponse = { user_id: u.id };
    if (u.name) r.name = u.name;
    return c.json(r);
  });

  app.get('/api/orders', requireAuth, async (c) => {
    const orders = await listOrdersWithCounts(c.env.DB, c.var.user.id);
    return c.json<OrdersResponse>({ orders });
  });

  app.get('/api/orders/:id/files', requireAuth, async (c) => {
    const orderId = c.req.param('id');
    const order = await findOwnedOrder(c.env.DB, orderId, c.var.user.id);
    if (!order) throw new ApiError('ORDER_FORBIDDEN', `order ${orderId} is not yours (or does not exist)`, { order_id: orderId });
    return c.json<FileListResponse>({ files: await listFiles(c.env.DB, order.id) });
  });
}
