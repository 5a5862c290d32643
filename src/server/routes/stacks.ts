/**
 * GET /api/orders/:id/stacks (SPEC v2 "Stack identity") → StacksResponse `{"stacks": [{room_type,
 * room_label, stack_id, frames_declared, frames_registered, ev, complete}]}`: the order's allocated stacks
 * with what is registered in them (db/stacks.ts ownedOrderStacks: the order's owner and its stacks in one D1 round trip). 401 without auth; 403 ORDER_FORBIDDEN for a
 * foreign or unknown order (not told apart).
 */
import type { Hono } from 'hono';
import type { StacksResponse } from '../../contract/api.js';
import { ownedOrderStacks } from '../db/stacks.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { orderForbidden } from '../lib/errors.js';

export function registerStacksRoute(app: Hono<AppEnv>): void {
  app.get('/api/orders/:id/stacks', requireAuth, async (c) => {
    const orderId = c.req.param('id');
    const stacks = await ownedOrderStacks(c.env.DB, orderId, c.var.user.id);
    if (!stacks) throw orderForbidden(orderId);
    return c.json<StacksResponse>({ stacks });
  });
}
