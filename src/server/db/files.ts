/**
 * D1 repository: finalized files (SPEC "POST /api/uploads/finalize", "GET /api/orders/:id/files").
 * UNIQUE(object_key) makes finalize idempotent and race-free: the upsert returns the one row's id.
 */
import type { ExifMeta, FileRecord, FileStatus, PreviewSizeName } from '../../contract/api.js';
import { inListStatements } from './in-list.js';

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
  /** SPEC v2 stack identity, copied from the intent (null for v1 clients). */
  room_label?: string | null;
  stack_key?: string | null;
  stack_frames?: number | null;
  /** SPEC v2: file_id this file supersedes / the newer version that superseded it. */
  replaces?: string | null;
  superseded_by?: string | null;
  /** SPEC v2 "File lifecycle" (domain/lifecycle.ts); finalize writes "uploaded". */
  status: FileStatus;
  /** Set by processing: why failed, the signature when infected, a note on ready (issue 16). */
  status_reason?: string | null;
  /** JSON array of preview sizes (set by processing). */
  previews?: string | null;
  /** When the intent was issued (SPEC v2 statistics: intent → finalize); null for rows from before v2. */
  intent_at?: string | null;
  deleted_at?: string | null;
  purged_at?: string | null;
  /** JSON of ExifMeta, or null. */
  meta: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Inserts the file, or — when a row for `object_key` exists — updates its meta and keeps its id; or — when
 * the order already lists a file with the same SHA-256 (migrations/0007: UNIQUE per order among listed
 * files) — keeps that file. Returns the id of the one row (the existing one on conflict), so two uploads
 * of the same content never become two rows, even when a killed run's finalize completes on the server
 * after the re-run asked its intent (SPEC: "never duplicating a file").
 */
export async function upsertFile(db: D1Database, row: FileRow): Promise<string> {
  const r = await upsertFileStatement(db, row).first<UpsertedFile>();
  if (!r) throw new Error('file upsert returned no row');
  return r.id;
}

/** What the upsert returns: the one row's id and object key (another key when the content was listed already). */
export interface UpsertedFile {
  id: string;
  object_key: string;
}

/**
 * upsertFile's statement, bound but not run (for `D1Database.batch`: one round trip for a batch of
 * finalizes); it returns one UpsertedFile row.
 */
export function upsertFileStatement(db: D1Database, row: FileRow): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO files (id, user_id, order_id, object_key, filename, bytes, mime, checksum, room_type,
         stack_id, status, meta, created_at, updated_at, room_label, stack_key, stack_frames, replaces, intent_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
       ON CONFLICT (object_key) DO UPDATE SET meta = COALESCE(excluded.meta, files.meta),
         replaces = COALESCE(files.replaces, excluded.replaces), updated_at = excluded.updated_at
       ON CONFLICT (order_id, checksum) WHERE checksum IS NOT NULL AND status NOT IN ('deleted', 'superseded')
         DO UPDATE SET updated_at = files.updated_at
       RETURNING id, object_key`,
    )
    .bind(
      row.id, row.user_id, row.order_id, row.object_key, row.filename, row.bytes, row.mime, row.checksum,
      row.room_type, row.stack_id, row.status, row.meta, row.created_at, row.updated_at, row.room_label ?? null,
      row.stack_key ?? null, row.stack_frames ?? null, row.replaces ?? null, row.intent_at ?? null,
    );
}

export async function getFileByKey(db: D1Database, objectKey: string): Promise<FileRow | null> {
  return db.prepare(`SELECT * FROM files WHERE object_key = ?1`).bind(objectKey).first<FileRow>();
}

export async function getFileById(db: D1Database, id: string): Promise<FileRow | null> {
  return db.prepare(`SELECT * FROM files WHERE id = ?1`).bind(id).first<FileRow>();
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

/**
 * findFileByChecksum for many checksums at once, as statements for a `D1Database.batch` (one per 90
 * checksums, D1's bound-parameter limit being 100); {@link firstByChecksum} reads their results.
 */
export function filesByChecksumsStatements(db: D1Database, orderId: string, checksums: readonly string[]): D1PreparedStatement[] {
  return inListStatements(
    db,
    [orderId],
    [...new Set(checksums)],
    (marks) => `SELECT * FROM files WHERE order_id = ?1 AND checksum IN (${marks}) AND status NOT IN ('superseded', 'deleted')
       ORDER BY created_at`,
  );
}

/** Per checksum the first (oldest) listed file of {@link filesByChecksumsStatements}' results; checksums without one are absent. */
export function firstByChecksum(results: readonly D1Result<FileRow>[]): Map<string, FileRow> {
  const found = new Map<string, FileRow>();
  for (const r of results) for (const row of r.results) if (row.checksum && !found.has(row.checksum)) found.set(row.checksum, row);
  return found;
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

function parsePreviews(v: string | null | undefined): PreviewSizeName[] {
  try {
    const a: unknown = JSON.parse(v ?? '[]');
    return Array.isArray(a) ? (a.filter((x) => typeof x === 'string') as PreviewSizeName[]) : [];
  } catch {
    return [];
  }
}

export function toFileRecord(r: FileRow): FileRecord {
  const rec: FileRecord = {
    file_id: r.id,
    object_key: r.object_key,
    filename: r.filename,
    bytes: r.bytes,
    mime: r.mime,
    checksum: r.checksum,
    room_type: r.room_type,
    stack_id: r.stack_id,
    status: r.status,
    previews: r.status === 'ready' ? parsePreviews(r.previews) : [],
    exif_meta: parseMeta(r.meta),
    created_at: r.created_at,
    room_label: r.room_label ?? null,
    stack_frames: r.stack_frames ?? null,
    replaces: r.replaces ?? null,
  };
  // why failed, the signature when infected (issue 16), or a note on ready (SCANNED_IN_WINDOWS); absent otherwise
  if (r.status_reason) rec.status_reason = r.status_reason;
  return rec;
}

