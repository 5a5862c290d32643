/**
 * D1 repository: the stacks of an order (SPEC v2 "Stack identity"; table `stacks`, migrations/0002).
 * One row per (order_id, room_type, stack_id) — PRIMARY KEY — and at most one row per
 * (order_id, room_type, stack_key) — UNIQUE index `stacks_key`. Both constraints are what makes the
 * allocation in domain/stack-allocation.ts race-safe: an insert that loses a race changes nothing.
 */
import type { ExifMeta, StackRecord } from '../../contract/api.js';
import { batchForOwner } from './users.js';
import { inListStatements } from './in-list.js';

export interface StackRow {
  order_id: string;
  room_type: string;
  stack_id: string;
  stack_key: string | null;
  room_label: string | null;
  /** Frames the client's stack has (its latest intent's `stack_frames`), or null. */
  frames_declared: number | null;
  created_at: string;
}

/** The stack of (order, room_type) with this key, or null. */
export async function findStackByKey(db: D1Database, orderId: string, roomType: string, stackKey: string): Promise<StackRow | null> {
  return db
    .prepare(`SELECT * FROM stacks WHERE order_id = ?1 AND room_type = ?2 AND stack_key = ?3`)
    .bind(orderId, roomType, stackKey)
    .first<StackRow>();
}

/**
 * Inserts the stack; false (nothing inserted) when its stack_id or its stack_key is already taken in
 * (order, room_type) — by whichever constraint: the caller looks again and retries.
 */
export async function tryInsertStack(db: D1Database, row: StackRow): Promise<boolean> {
  const r = await insertStackStatement(db, row).run();
  return r.meta.changes === 1;
}

/** tryInsertStack's statement, bound but not run (for `D1Database.batch`); changes = 0 when it lost. */
export function insertStackStatement(db: D1Database, row: StackRow): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO stacks (order_id, room_type, stack_id, stack_key, room_label, frames_declared, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING`,
    )
    .bind(row.order_id, row.room_type, row.stack_id, row.stack_key, row.room_label, row.frames_declared, row.created_at);
}

/** The stack's latest declared frame count and room label (a later run may have more frames). */
export async function touchStack(db: D1Database, row: Pick<StackRow, 'order_id' | 'room_type' | 'stack_id' | 'room_label' | 'frames_declared'>): Promise<void> {
  await touchStackStatement(db, row).run();
}

/** touchStack's statement, bound but not run (for `D1Database.batch`). */
export function touchStackStatement(db: D1Database, row: Pick<StackRow, 'order_id' | 'room_type' | 'stack_id' | 'room_label' | 'frames_declared'>): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE stacks SET frames_declared = COALESCE(?4, frames_declared), room_label = COALESCE(?5, room_label)
       WHERE order_id = ?1 AND room_type = ?2 AND stack_id = ?3`,
    )
    .bind(row.order_id, row.room_type, row.stack_id, row.frames_declared, row.room_label);
}

/** Every stack row of the order in `rooms`, as statements for a `D1Database.batch` (one per 90 rooms: D1 binds ≤ 100). */
export function stacksOfRoomsStatements(db: D1Database, orderId: string, rooms: readonly string[]): D1PreparedStatement[] {
  return inListStatements(db, [orderId], rooms, (marks) => `SELECT * FROM stacks WHERE order_id = ?1 AND room_type IN (${marks})`);
}

/** The stack ids of (order, room_type) that have a row. */
export async function stackIdsOf(db: D1Database, orderId: string, roomType: string): Promise<string[]> {
  const r = await db
    .prepare(`SELECT stack_id FROM stacks WHERE order_id = ?1 AND room_type = ?2`)
    .bind(orderId, roomType)
    .all<{ stack_id: string }>();
  return r.results.map((x) => x.stack_id);
}

/**
 * The order's stacks with what is registered in them (GET /api/orders/:id/stacks) when the order is `userId`'s;
 * null when it is not, or does not exist (SPEC: the two are not told apart). frames = listed files (not
 * superseded, not deleted) of (order, room_type, stack_id); `ev` = their exif_meta.ev in capture order (files
 * without one are left out). Sorted by room_type, then stack_id. One round trip to D1 and one transaction: the ownership, the
 * stack rows and the frames are the same moment's (a foreign order's rows are read and dropped unread).
 */
export async function ownedOrderStacks(db: D1Database, orderId: string, userId: string): Promise<StackRecord[] | null> {
  const owned = await batchForOwner(db, orderId, userId, stackStatements(db, orderId));
  if (!owned) return null;
  const [stacks, frames] = owned.results;
  return stackRecordsOf(stacks as D1Result<StackRow>, frames as D1Result<StackFrameRow>);
}

/** What {@link stackRecordsOf} reads of a listed file. */
export interface StackFrameRow {
  room_type: string;
  stack_id: string;
  meta: string | null;
}

/**
 * The two statements of {@link ownedOrderStacks} (the order's stack rows, then its listed files' stacks and EXIF),
 * to run in a `db.batch` with others (routes/closing-check.ts); {@link stackRecordsOf} reads their results.
 */
export function stackStatements(db: D1Database, orderId: string): [stacks: D1PreparedStatement, frames: D1PreparedStatement] {
  return [
    db.prepare(`SELECT * FROM stacks WHERE order_id = ?1 ORDER BY room_type, stack_id`).bind(orderId),
    db
      .prepare(
        `SELECT room_type, stack_id, meta FROM files
       WHERE order_id = ?1 AND status NOT IN ('superseded', 'deleted') ORDER BY filename`,
      )
      .bind(orderId),
  ];
}

/** The order's stacks (see {@link ownedOrderStacks}) from the results of {@link stackStatements}, in their order. */
export function stackRecordsOf(stacks: D1Result<StackRow>, files: D1Result<StackFrameRow>): StackRecord[] {
  const frames = new Map<string, ExifMeta[]>();
  for (const f of files.results) {
    const k = `${f.room_type}\0${f.stack_id}`;
    const list = frames.get(k) ?? [];
    list.push(parseMeta(f.meta));
    frames.set(k, list);
  }
  return stacks.results.map((s) => {
    const metas = frames.get(`${s.room_type}\0${s.stack_id}`) ?? [];
    const byTime = [...metas].sort((a, b) => (a.captured_at ?? '').localeCompare(b.captured_at ?? '') || (a.captured_subsec_ms ?? 0) - (b.captured_subsec_ms ?? 0));
    const declared = s.frames_declared ?? 0;
    return {
      room_type: s.room_type,
      room_label: s.room_label,
      stack_id: s.stack_id,
      frames_declared: declared,
      frames_registered: metas.length,
      ev: byTime.map((m) => m.ev).filter((v): v is number => typeof v === 'number'),
      complete: metas.length >= declared,
    };
  });
}

function parseMeta(meta: string | null): ExifMeta {
  if (!meta) return {};
  try {
    const v: unknown = JSON.parse(meta);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as ExifMeta) : {};
  } catch {
    return {};
  }
}
