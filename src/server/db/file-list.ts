/**
 * D1 query of an order's file list in pages (SPEC v2 "Listing, with pages and URLs").
 *
 * Order: (created_at, id) ascending — stable, since neither changes after finalize. The cursor is the
 * last row's (created_at, id) as base64url JSON `{"c": created_at, "i": id}`; the next page starts
 * strictly after it (keyset paging: rows added meanwhile never shift a page, none is listed twice).
 * Without a `status` filter the listed states are uploaded, processing, ready, failed, infected (SPEC v2:
 * deleted and superseded files are not listed unless asked for).
 */
import type { FileRecord, FileStatus } from '../../contract/api.js';
import { MAX_LIST_PAGE } from '../../contract/limits.js';
import { base64url, fromBase64url } from '../lib/crypto.js';
import { type FileRow, toFileRecord } from './files.js';

/** SPEC v2: listed unless a status filter asks for another. */
export const LISTED_STATUSES: readonly FileStatus[] = ['uploaded', 'processing', 'ready', 'failed', 'infected'];
export const ALL_STATUSES: readonly FileStatus[] = [...LISTED_STATUSES, 'deleted', 'superseded'];
/** SPEC v2: limit ≤ 1000, default 1000 (the contract's, src/contract/limits.ts). */
export const MAX_PAGE = MAX_LIST_PAGE;

export interface FilePageQuery {
  orderId: string;
  status?: FileStatus;
  roomType?: string;
  /** 1…MAX_PAGE. */
  limit: number;
  /** Decoded cursor (after this row), or undefined for the first page. */
  after?: PageCursor;
}

export interface PageCursor {
  /** created_at of the last listed row. */
  c: string;
  /** id of the last listed row. */
  i: string;
}

export function encodeCursor(c: PageCursor): string {
  return base64url(new TextEncoder().encode(JSON.stringify(c)));
}

/** The cursor's position, or null when it is not one of ours. */
export function decodeCursor(raw: string): PageCursor | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(fromBase64url(raw))) as Partial<PageCursor>;
    return typeof v?.c === 'string' && typeof v.i === 'string' ? { c: v.c, i: v.i } : null;
  } catch {
    return null;
  }
}

export interface FilePage {
  /** Rows as read (the route may add URLs). */
  rows: FileRow[];
  records: FileRecord[];
  nextCursor: string | null;
}

/** One page of the order's files (see the file comment for order and cursor). */
export async function listFilePage(db: D1Database, q: FilePageQuery): Promise<FilePage> {
  const where: string[] = ['order_id = ?1'];
  const args: unknown[] = [q.orderId];
  const bind = (v: unknown): string => {
    args.push(v);
    return `?${args.length}`;
  };
  if (q.status) where.push(`status = ${bind(q.status)}`);
  else where.push(`status IN (${LISTED_STATUSES.map((s) => bind(s)).join(', ')})`);
  if (q.roomType) where.push(`room_type = ${bind(q.roomType)}`);
  if (q.after) {
    const c = bind(q.after.c);
    const i = bind(q.after.i);
    where.push(`(created_at > ${c} OR (created_at = ${c} AND id > ${i}))`);
  }
  const sql = `SELECT * FROM files WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT ${bind(q.limit + 1)}`;
  const r = await db.prepare(sql).bind(...args).all<FileRow>();
  const rows = r.results.slice(0, q.limit);
  const last = rows[rows.length - 1];
  const nextCursor = r.results.length > q.limit && last ? encodeCursor({ c: last.created_at, i: last.id }) : null;
  return { rows, records: rows.map(toFileRecord), nextCursor };
}
