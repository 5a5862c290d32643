/**
 * GET /api/orders/:id/files (SPEC "GET /api/orders/:id/files", SPEC v2 "Listing, with pages and URLs").
 *
 * Query: `status` (one FileStatus; default: uploaded, processing, ready, failed, infected), `room_type`,
 * `limit` (1…1000, default 1000), `cursor` (the previous page's next_cursor), `with_urls=1` (each file
 * gains `download_url`, a signed GET of 15 minutes; infected files and files not yet scanned get none),
 * `fields` (issue 15: each file carries only these fields and its file_id, e.g. `fields=file_id` — the CLI's
 * check of a run: then, without URLs, the order and two columns of the page are read in one D1 round trip).
 * Answer: FileListResponse `{files, next_cursor}`; order and cursor: db/file-list.ts.
 * 400 VALIDATION_FAILED naming the parameter (FileListQuerySchema; `cursor` here); 403 ORDER_FORBIDDEN for a foreign or unknown order.
 */
import type { Context } from 'hono';
import type { FileListQuery, FileListResponse, FileRecord } from '../../contract/api.js';
import { decodeCursor, type FileIdRow, fileIdPageOf, fileIdPageStatement, listFilePage, MAX_PAGE } from '../db/file-list.js';
import { batchForOwner, findOwnedOrder } from '../db/users.js';
import type { AppEnv } from '../lib/app-env.js';
import { signDownload } from '../lib/download-url.js';
import { invalid, orderForbidden } from '../lib/errors.js';
import { roomSlug } from '../lib/object-key.js';
import { awaitingScan } from '../scan/gate.js';
import { downloadable } from './files.js';

/** The files of order `:id`, for the query `q` parsed by FileListQuerySchema (routes/orders.ts mounts it). */
export async function listOrderFiles(c: Context<AppEnv>, q: FileListQuery): Promise<Response> {
  const orderId = c.req.param('id') ?? '';
  const { status, limit = MAX_PAGE } = q;
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  if (after === null) throw invalid('cursor', 'cursor is not one this server gave out');
  const withUrls = q.with_urls === true;
  const roomType = q.room_type ? roomSlug(q.room_type) : undefined;
  if (!withUrls && q.fields?.length === 1 && q.fields[0] === 'file_id') {
    const owned = await batchForOwner(c.env.DB, orderId, c.var.user.id, [fileIdPageStatement(c.env.DB, { orderId, status, roomType, limit, after })]);
    if (!owned) throw orderForbidden(orderId);
    const page = fileIdPageOf(owned.results[0] as D1Result<FileIdRow>, limit);
    return c.json({ files: page.fileIds.map((file_id) => ({ file_id })), next_cursor: page.nextCursor });
  }
  const order = await findOwnedOrder(c.env.DB, orderId, c.var.user.id);
  if (!order) throw orderForbidden(orderId);
  const page = await listFilePage(c.env.DB, {
    orderId: order.id,
    status,
    roomType,
    limit,
    after,
  });
  if (withUrls) {
    const { signer, origin } = c.var.services;
    const now = new Date();
    for (let i = 0; i < page.rows.length; i++) {
      if (downloadable(page.rows[i]) && !awaitingScan(c.env, page.rows[i])) page.records[i].download_url = (await signDownload(signer, page.rows[i], origin, now)).url;
    }
  }
  const { fields } = q;
  if (fields) return c.json({ files: page.records.map((r) => pickFields(r, fields)), next_cursor: page.nextCursor });
  return c.json<FileListResponse>({ files: page.records, next_cursor: page.nextCursor });
}

/** `r` with only `fields` and its file_id (the `fields` parameter: a client that needs ids only gets ~20× less). */
function pickFields(r: FileRecord, fields: readonly (keyof FileRecord)[]): Partial<FileRecord> {
  const out: Partial<FileRecord> = { file_id: r.file_id };
  for (const k of fields) if (r[k] !== undefined) (out as Record<string, unknown>)[k] = r[k];
  return out;
}
