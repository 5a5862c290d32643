/**
 * Finalize's optional `replaces: file_id` (SPEC v2 "Finalize is bound to its intent" / "File lifecycle"):
 * the new file supersedes an earlier version — a file of the same order and the same caller. The old row
 * becomes `superseded` with `superseded_by` = the new file_id; listings show only the latest version.
 *
 * `checkReplaceable` (before the new row is written): 400 VALIDATION_FAILED field "replaces" when the file
 * does not exist, is of another order or caller, is deleted, or was already superseded by another file.
 * `supersede` (after): marks the old row; idempotent (a repeated finalize of the same key changes nothing).
 */
import { invalid } from '../lib/errors.js';

interface ReplacedRow {
  id: string;
  user_id: string;
  order_id: string;
  object_key: string;
  status: string;
  superseded_by: string | null;
}

/** The file `replaces` names, checked against the finalizing caller, order and object key. */
export async function checkReplaceable(
  db: D1Database,
  fileId: string,
  by: { userId: string; orderId: string; objectKey: string },
): Promise<ReplacedRow> {
  const old = await db
    .prepare(`SELECT id, user_id, order_id, object_key, status, superseded_by FROM files WHERE id = ?1`)
    .bind(fileId)
    .first<ReplacedRow>();
  if (!old || old.user_id !== by.userId || old.order_id !== by.orderId) {
    throw invalid('replaces', `replaces: ${fileId} is not a file of order ${by.orderId}`);
  }
  if (old.object_key === by.objectKey) throw invalid('replaces', 'replaces: a file cannot replace itself');
  if (old.status === 'deleted') throw invalid('replaces', `replaces: ${fileId} is deleted`);
  if (old.superseded_by) {
    const newer = await db.prepare(`SELECT object_key FROM files WHERE id = ?1`).bind(old.superseded_by).first<{ object_key: string }>();
    if (newer?.object_key !== by.objectKey) throw invalid('replaces', `replaces: ${fileId} was already superseded by ${old.superseded_by}`);
  }
  return old;
}

/**
 * Marks `old` superseded by `newId`. Throws 400 (field "replaces") when another file superseded it first
 * (two newer versions of one file race: the first one wins, the second is told).
 */
export async function supersede(db: D1Database, oldId: string, newId: string, now: Date): Promise<void> {
  const r = await db
    .prepare(
      `UPDATE files SET status = 'superseded', superseded_by = ?2, updated_at = ?3
       WHERE id = ?1 AND status NOT IN ('deleted') AND (superseded_by IS NULL OR superseded_by = ?2)`,
    )
    .bind(oldId, newId, now.toISOString())
    .run();
  if (r.meta.changes !== 1) throw invalid('replaces', `replaces: ${oldId} was already superseded by another file`);
}
