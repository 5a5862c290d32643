/**
 * Writing checked finalizes (SPEC "POST /api/uploads/finalize", SPEC v2 "POST /api/uploads/finalize-batch"):
 * per file the File row is upserted (db/files.ts: UNIQUE(object_key) → a repeated finalize keeps its row;
 * UNIQUE(order, checksum) among listed files, migrations/0007 → the same content twice keeps the first
 * row, and the redundant object is removed) with `intent_at` = the intent's creation time, a `replaces`
 * target is superseded (domain/replaces.ts), and the intent moves to `finalized`; then every registered
 * file is queued for processing once (SPEC v2 "Previews"; processing/enqueue.ts).
 *
 * Cost per request, not per file (issue 15 "Server cost per file"): the upserts and intent transitions of
 * consecutive files go to D1 in ONE `batch` (one round trip, one transaction; its statements run in list
 * order, so duplicates inside a batch resolve exactly as one finalize after the other), redundant objects
 * are deleted in parallel, and the queue gets one send for the whole request. A file with `replaces` is
 * written on its own, in its place in the list, as before (its supersede may fail after its upsert).
 * When a D1 batch fails as a whole, its files are written one by one, so one file's failure stays its own.
 *
 * `writeFinalized(env, store, userId, list, alongside?)` → per entry, in order: the registered file_id, or the
 * Error that stopped it (HttpError 400 "replaces" when another version won the supersede race; anything else
 * is internal). `alongside`: work that needs the rows written (finalize-batch's closing check), started once
 * they are and run at the same time as the deletes and the queue send (issue 15: the run's last answer waits
 * for all of them); its rejection is read by the caller from the promise it made, never thrown here.
 */
import { upsertFileStatement, type FileRow, type UpsertedFile } from '../db/files.js';
import { transitionIntentStatement } from '../db/intents.js';
import type { Env } from '../env.js';
import { newId } from '../lib/crypto.js';
import { enqueueAfterFinalize } from '../processing/enqueue.js';
import type { ObjectStore } from '../storage/index.js';
import type { CheckedFinalize } from './finalize-check.js';
import { supersede } from './replaces.js';

/** The File row a checked finalize registers. */
function fileRow(c: CheckedFinalize, userId: string, now: string): FileRow {
  const { intent, fields } = c;
  return {
    id: newId('f'),
    user_id: userId,
    order_id: intent.order_id,
    object_key: fields.objectKey,
    filename: intent.filename,
    bytes: fields.bytes,
    mime: intent.mime,
    checksum: c.checksum,
    room_type: intent.room_type,
    stack_id: intent.stack_id,
    room_label: intent.room_label,
    stack_key: intent.stack_key,
    stack_frames: intent.stack_frames,
    replaces: c.replacedId,
    status: 'uploaded',
    meta: fields.exif ? JSON.stringify(fields.exif) : null,
    intent_at: intent.created_at,
    created_at: now,
    updated_at: now,
  };
}

/** Upsert + intent transition of each file of `group` in one D1 batch; the upserted rows, in order. */
async function writeGroup(db: D1Database, group: readonly CheckedFinalize[], userId: string): Promise<UpsertedFile[]> {
  const now = new Date();
  const at = now.toISOString();
  const statements = group.flatMap((c) => [
    upsertFileStatement(db, fileRow(c, userId, at)),
    transitionIntentStatement(db, c.intent.id, ['pending', 'uploaded'], 'finalized', now),
  ]);
  const results = await db.batch<UpsertedFile>(statements);
  return group.map((_, i) => {
    const row = results[2 * i].results[0];
    if (!row) throw new Error('file upsert returned no row');
    return row;
  });
}

/** The one file with `replaces`: upsert, supersede, transition — one after the other, as they depend. */
async function writeReplacing(db: D1Database, c: CheckedFinalize, userId: string): Promise<UpsertedFile> {
  const now = new Date();
  const row = await upsertFileStatement(db, fileRow(c, userId, now.toISOString())).first<UpsertedFile>();
  if (!row) throw new Error('file upsert returned no row');
  if (c.replacedId) await supersede(db, c.replacedId, row.id, new Date());
  await transitionIntentStatement(db, c.intent.id, ['pending', 'uploaded'], 'finalized', new Date()).run();
  return row;
}

/** Writes `list` (see the file comment); never throws — each entry's failure is its own answer. */
export async function writeFinalized(
  env: Env,
  store: ObjectStore,
  userId: string,
  list: readonly CheckedFinalize[],
  alongside?: () => Promise<unknown>,
): Promise<(string | Error)[]> {
  const out: (UpsertedFile | Error)[] = [];
  const flush = async (group: CheckedFinalize[]): Promise<void> => {
    if (group.length === 0) return;
    try {
      out.push(...(await writeGroup(env.DB, group, userId)));
    } catch (e) {
      if (group.length === 1) out.push(asError(e));
      else for (const c of group) out.push(await writeGroup(env.DB, [c], userId).then((r) => r[0], asError));
    }
  };
  let group: CheckedFinalize[] = [];
  for (const c of list) {
    if (!c.replacedId) {
      group.push(c);
      continue;
    }
    await flush(group);
    group = [];
    out.push(await writeReplacing(env.DB, c, userId).catch(asError));
  }
  await flush(group);

  const ids = out.filter((r): r is UpsertedFile => !(r instanceof Error)).map((r) => r.id);
  await Promise.all([
    // A row kept under another key (the content was listed already): this copy is redundant.
    ...out.map((r, i) => (r instanceof Error || r.object_key === list[i].fields.objectKey ? undefined : store.delete(list[i].fields.objectKey).catch(() => undefined))),
    // SPEC v2 "Previews": processing starts after finalize (a repeated finalize may enqueue again; the
    // consumer ignores files that are already processed).
    ids.length ? enqueueAfterFinalize(env, ids) : undefined,
    alongside?.().catch(() => undefined),
  ]);
  return out.map((r) => (r instanceof Error ? r : r.id));
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
