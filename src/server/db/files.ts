/**
 * D1 repository: finalized files (SPEC "POST /api/uploads/finalize", "GET /api/orders/:id/files").
 * UNIQUE(object_key) makes finalize idempotent and race-free: the upsert returns the one row's id.
 */
import type { ExifMeta, FileRecord } from '../../contract/api.js';

export interface FileRow {
  id: string;
  user_id: string;
  order_id: string;
  object_key: string;
  filename: string;
  bytes: number;
  mime: string;
  checksum: string | null;
  room_type: string;
  stack_id: string;
  status: 'uploaded';
  /** SPEC v2 stack identity, copied from the intent (null for v1 clients). */
  room_label?: string | null;
  stack_key?: string | null;
  stack_frames?: number | null;
  /** SPEC v2: file_id this file supersedes / the newer version that superseded it. */
  replaces?: string | null;
  superseded_by?: string | null;
  /** JSON of ExifMeta, or null. */
  meta: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Inserts the file, or — when a row for `object_key` exists — updates its meta and keeps its id.
 * Returns the id of the one row for that key (the existing one on conflict).
 */
export async function upsertFile(db: D1Database, row: FileRow): Promise<string> {
  const r = await db
    .prepare(
      `INSERT INTO files (id, user_id, order_id, object_key, filename, bytes, mime, checksum, room_type,
         stack_id, status, meta, created_at, updated_at, room_label, stack_key, stack_frames, replaces)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
       ON CONFLICT (object_key) DO UPDATE SET meta = COALESCE(excluded.meta, files.meta),
         replaces = COALESCE(files.replaces, excluded.replaces), updated_at = excluded.updated_at
       RETURNING id`,
    )
    .bind(
      row.id, row.user_id, row.order_id, row.object_key, row.filename, row.bytes, row.mime, row.checksum,
      row.room_type, row.stack_id, row.status, row.meta, row.created_at, row.updated_at, row.room_label ?? null,
      row.stack_key ?? null, row.stack_frames ?? null, row.replaces ?? null,
    )
    .first<{ id: string }>();
  if (!r) throw new Error('file upsert returned no row');
  return r.id;
}

export async function getFileByKey(db: D1Database, objectKey: string): Promise<FileRow | null> {
  return db.prepare(`SELECT * FROM files WHERE object_key = ?1`).bind(objectKey).first<FileRow>();
}

/** A finalized, listed (not superseded, not deleted) file of the order with this SHA-256 (hex), or null. */
export async function findFileByChecksum(db: D1Database, orderId: string, checksum: string): Promise<FileRow | null> {
  return db
    .prepare(
      `SELECT * FROM files WHERE order_id = ?1 AND checksum = ?2 AND status NOT IN ('superseded', 'deleted')
       ORDER BY created_at LIMIT 1`,
    )
    .bind(orderId, checksum)
    .first<FileRow>();
}

function parseMeta(meta: string | null): ExifMeta | null {
  if (!meta) return null;
  try {
    const v: unknown = JSON.parse(meta);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as ExifMeta) : null;
  } catch {
    return null;
  }
}

export function toFileRecord(r: FileRow): FileRecord {
  return {
    file_id: r.id,
    object_key: r.object_key,
    filename: r.filename,
    bytes: r.bytes,
    mime: r.mime,
    checksum: r.checksum,
    room_type: r.room_type,
    stack_id: r.stack_id,
    status: r.status,
    exif_meta: parseMeta(r.meta),
    created_at: r.created_at,
    room_label: r.room_label ?? null,
    stack_frames: r.stack_frames ?? null,
    replaces: r.replaces ?? null,
  };
}

/** Finalized files of the order, oldest first; superseded and deleted ones are not listed (SPEC v2). */
export async function listFiles(db: D1Database, orderId: string): Promise<FileRecord[]> {
  const r = await db
    .prepare(`SELECT * FROM files WHERE order_id = ?1 AND status NOT IN ('superseded', 'deleted') ORDER BY created_at, object_key`)
    .bind(orderId)
    .all<FileRow>();
  return r.results.map(toFileRecord);
}
