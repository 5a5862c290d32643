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
  const r = await filePageStatement(db, q, '*').all<FileRow>();
  const { rows, nextCursor } = pageOf(r.results, q.limit);
  return { rows, records: rows.map(toFileRecord), nextCursor };
}

/**
 * The ids of one page of the order's files, as {@link listFilePage} lists them (same filter, order and
 * cursor), reading two columns instead of every one (the closing check of routes/closing-check.ts wants
 * only the ids). A statement, to run in a `db.batch` with others; {@link fileIdPageOf} reads its result.
 */
export function fileIdPageStatement(db: D1Database, q: FilePageQuery): D1PreparedStatement {
  return filePageStatement(db, q, 'id, created_at');
}

/** The result of {@link fileIdPageStatement} (asked with the same `limit`) as ids and the next page's cursor. */
export function fileIdPageOf(result: D1Result<FileIdRow>, limit: number): { fileIds: string[]; nextCursor: string | null } {
  const { rows, nextCursor } = pageOf(result.results, limit);
  return { fileIds: rows.map((r) => r.id), nextCursor };
}

/** A row of {@link fileIdPageStatement}: the two columns keyset paging reads. */
export type FileIdRow = Pick<FileRow, 'id' | 'created_at'>;

function filePageStatement(db: D1Database, q: FilePageQuery, columns: '*' | 'id, created_at'): D1PreparedStatement {
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
  // One row more than the page: whether a next page exists.
  return db.prepare(`SELECT ${columns} FROM files WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT ${bind(q.limit + 1)}`).bind(...args);
}

function pageOf<R extends FileIdRow>(results: R[], limit: number): { rows: R[]; nextCursor: string | null } {
  const rows = results.slice(0, limit);
  const last = rows[rows.length - 1];
  return { rows, nextCursor: results.length > limit && last ? encodeCursor({ c: last.created_at, i: last.id }) : null };
}
