/**
 * D1 access to single files by id for the v2 file routes (SPEC v2 "Downloads and delete"): the caller's
 * own file only — another user's file and an unknown id look the same (null → 404 FILE_NOT_FOUND).
 */
import type { FileRow } from './files.js';

/** The file when it exists and belongs to `userId`, whatever its status; null otherwise. */
export async function getOwnedFile(db: D1Database, fileId: string, userId: string): Promise<FileRow | null> {
  return db.prepare(`SELECT * FROM files WHERE id = ?1 AND user_id = ?2`).bind(fileId, userId).first<FileRow>();
}

/**
 * Soft delete (SPEC v2: any → deleted): sets status "deleted" and deleted_at once. A file already deleted
 * keeps its first deleted_at. Returns the row after the update, or null when the file is not the caller's.
 */
export async function softDeleteFile(db: D1Database, fileId: string, userId: string, now: Date): Promise<FileRow | null> {
  const at = now.toISOString();
  return db
    .prepare(
      `UPDATE files SET status = 'deleted', deleted_at = COALESCE(deleted_at, ?3), updated_at = ?3
       WHERE id = ?1 AND user_id = ?2 RETURNING *`,
    )
    .bind(fileId, userId, at)
    .first<FileRow>();
}
