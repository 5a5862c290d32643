/**
 * The file lifecycle (SPEC v2 "File lifecycle", seed 001's state machine, adapted):
 *
 *   uploaded → processing → ready | failed | infected
 *   any (but deleted) → deleted (the user) | superseded (a newer version `replaces` it)
 *
 * Nothing else: `ready` never returns to `processing`, `infected` never becomes `ready` (seed 001:
 * "cannot bypass security"), `failed` is not re-processed, `deleted` is final. A status "changing" to
 * itself is not a transition either (a redelivered queue message re-claims `processing` through
 * `claimProcessing`, which says so explicitly).
 *
 * `canTransition` is the pure rule; `transitionFile` is the only D1 write of `files.status`: a conditional
 * UPDATE … WHERE status IN (the allowed from-states), so two writers racing (consumer vs. delete) can
 * never produce a forbidden step — the loser's UPDATE matches no row.
 */

import { FILE_STATUS_NAMES } from '../../contract/limits.js';

/** The contract's states (src/contract/limits.ts). */
export const FILE_STATUSES = FILE_STATUS_NAMES;
export type FileStatus = (typeof FILE_STATUSES)[number];

/** to-state → the from-states it may be reached from. */
const ALLOWED_FROM: Readonly<Record<FileStatus, readonly FileStatus[]>> = {
  uploaded: [],
  processing: ['uploaded'],
  ready: ['processing'],
  failed: ['processing'],
  infected: ['processing'],
  deleted: ['uploaded', 'processing', 'ready', 'failed', 'infected', 'superseded'],
  superseded: ['uploaded', 'processing', 'ready', 'failed', 'infected'],
};

export function isFileStatus(v: unknown): v is FileStatus {
  return typeof v === 'string' && (FILE_STATUSES as readonly string[]).includes(v);
}

/** The from-states from which `to` may be reached (empty for `uploaded`: only finalize creates it). */
export function allowedFrom(to: FileStatus): readonly FileStatus[] {
  return ALLOWED_FROM[to];
}

/** True when `from → to` is one of SPEC v2's transitions (same state → false). */
export function canTransition(from: FileStatus, to: FileStatus): boolean {
  return ALLOWED_FROM[to].includes(from);
}

/** Terminal for processing: a job finding the file here has nothing to do. */
export function isSettled(s: FileStatus): boolean {
  return s !== 'uploaded' && s !== 'processing';
}

export interface TransitionFields {
  /** files.status_reason (e.g. "DECODE_FAILED: …", the signature when infected); null clears it. */
  reason?: string | null;
  /** files.previews: the preview sizes made (JSON array of names). */
  previews?: readonly string[];
  /** files.deleted_at (ISO 8601) when going to `deleted`. */
  deletedAt?: string;
  /** files.superseded_by when going to `superseded`. */
  supersededBy?: string;
}

/**
 * Moves file `fileId` to `to` when — and only when — its current status is an allowed from-state
 * (optionally narrowed to `onlyFrom`). Returns true when the row changed; false when the file is
 * missing or in a state the transition is not allowed from (nothing written).
 * Throws Error when `onlyFrom` names a from-state SPEC does not allow (a programming error).
 */
export async function transitionFile(
  db: D1Database,
  fileId: string,
  to: FileStatus,
  fields: TransitionFields = {},
  now: Date = new Date(),
  onlyFrom?: readonly FileStatus[],
): Promise<boolean> {
  const from = onlyFrom ?? allowedFrom(to);
  for (const f of from) if (!canTransition(f, to)) throw new Error(`forbidden file transition ${f} → ${to}`);
  if (from.length === 0) return false;
  const sets = ['status = ?1', 'updated_at = ?2'];
  const binds: unknown[] = [to, now.toISOString()];
  const add = (col: string, v: unknown) => {
    binds.push(v);
    sets.push(`${col} = ?${binds.length}`);
  };
  if (fields.reason !== undefined) add('status_reason', fields.reason);
  if (fields.previews !== undefined) add('previews', JSON.stringify(fields.previews));
  if (fields.deletedAt !== undefined) add('deleted_at', fields.deletedAt);
  if (fields.supersededBy !== undefined) add('superseded_by', fields.supersededBy);
  binds.push(fileId);
  const idIdx = binds.length;
  const inList = from.map((s) => `'${s}'`).join(', ');
  const r = await db
    .prepare(`UPDATE files SET ${sets.join(', ')} WHERE id = ?${idIdx} AND status IN (${inList})`)
    .bind(...binds)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/**
 * A processing job claims the file: `uploaded → processing`, or — a redelivered/retried message — a
 * file already `processing` stays so (not a transition; its updated_at is refreshed). Returns false
 * when the file is gone or settled (ready, failed, infected, deleted, superseded): the job then ends
 * quietly.
 */
export async function claimProcessing(db: D1Database, fileId: string, now: Date = new Date()): Promise<boolean> {
  const r = await db
    .prepare(`UPDATE files SET status = 'processing', updated_at = ?1 WHERE id = ?2 AND status IN ('uploaded', 'processing')`)
    .bind(now.toISOString(), fileId)
    .run();
  return (r.meta.changes ?? 0) > 0;
}
