/**
 * GET /api/orders/:id/files (SPEC "GET /api/orders/:id/files", SPEC v2 "Listing, with pages and URLs").
 *
 * Query: `status` (one FileStatus; default: uploaded, processing, ready, failed, infected), `room_type`,
 * `limit` (1…1000, default 1000), `cursor` (the previous page's next_cursor), `with_urls=1` (each file
 * gains `download_url`, a signed GET of 15 minutes; infected files and files not yet scanned get none).
 * Answer: FileListResponse `{files, next_cursor}`; order and cursor: db/file-list.ts.
 * 400 VALIDATION_FAILED naming the parameter; 403 ORDER_FORBIDDEN for a foreign or unknown order.
 */
import type { Context } from 'hono';
import type { FileListResponse, FileStatus } from '../../contract/api.js';
import { ALL_STATUSES, decodeCursor, listFilePage, MAX_PAGE } from '../db/file-list.js';
import { findOwnedOrder } from '../db/users.js';
import { readConfig } from '../env.js';
import type { AppEnv } from '../lib/app-env.js';
import { signDownload } from '../lib/download-url.js';
import { ApiError, invalid } from '../lib/errors.js';
import { roomSlug } from '../lib/object-key.js';
import { requestOrigin } from '../lib/origin.js';
import { awaitingScan } from '../scan/gate.js';
import { makeSigner } from '../signers/index.js';
import { downloadable } from './files.js';

function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return MAX_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw invalid('limit', `limit must be an integer from 1 to ${MAX_PAGE}`);
  return n;
}

export async function listOrderFiles(c: Context<AppEnv>): Promise<Response> {
  const orderId = c.req.param('id') ?? '';
  const q = c.req.query();
  const status = q.status || undefined;
  if (status !== undefined && !(ALL_STATUSES as readonly string[]).includes(status)) {
    throw invalid('status', `status must be one of ${ALL_STATUSES.join(', ')}`);
  }
  const limit = parseLimit(q.limit);
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  if (after === null) throw invalid('cursor', 'cursor is not one this server gave out');
  const withUrls = q.with_urls === '1' || q.with_urls === 'true';
  const order = await findOwnedOrder(c.env.DB, orderId, c.var.user.id);
  if (!order) throw new ApiError('ORDER_FORBIDDEN', `order ${orderId} is not yours (or does not exist)`, { order_id: orderId });
  const page = await listFilePage(c.env.DB, {
    orderId: order.id,
    status: status as FileStatus | undefined,
    roomType: q.room_type ? roomSlug(q.room_type) : undefined,
    limit,
    after,
  });
  if (withUrls) {
    const signer = makeSigner(c.env, readConfig(c.env));
    const origin = requestOrigin(c.req.raw, signer.kind === 'local');
    const now = new Date();
    for (let i = 0; i < page.rows.length; i++) {
      if (downloadable(page.rows[i]) && !awaitingScan(c.env, page.rows[i])) page.records[i].download_url = (await signDownload(signer, page.rows[i], origin, now)).url;
    }
  }
  return c.json<FileListResponse>({ files: page.records, next_cursor: page.nextCursor });
}
