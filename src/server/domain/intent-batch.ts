/**
 * A batch of intents (SPEC v2 `POST /api/uploads/intents`: "per file, in order, exactly what
 * POST /api/uploads/intent answers"), issued with per-request instead of per-file work (issue 15 "Server
 * cost per file"), in three D1 round trips whatever the batch's size (each is a network hop in production,
 * and the run's first intent is on its critical path):
 * 1. `readBatch` — the order (403 when it is not the caller's), the listed files of every checksum, the
 *    stacks of the claims' rooms;
 * 2. the stacks of all claims (domain/stack-allocation-batch.ts, decided in memory) written together with
 *    one counter statement per (room, stack) taking all its versions;
 * 3. every intent inserted with its quota check right after it — the statements of a batch run one after
 *    another in one transaction, so each intent is judged exactly as a single intent would be (db/quota.ts:
 *    race-safe).
 * Keys of one (room, stack) get ascending versions in list order, as before (a file whose stack insert lost
 * a race takes its version from its new stack's counter: its old stack has a gap then).
 * A key that collides anyway (UNIQUE(object_key)) is issued again the single way (domain/intent.ts
 * recordIntent); a failing batched D1 step leaves the files it did not answer to the single path.
 * Answers (signing, multipart starts) run ≤ ANSWERS_IN_FLIGHT at a time.
 *
 * `issueAll(scope, items)` → per item, in order: its IntentResponse or its Error (HttpError: 400 from
 * parsing, 413, 415, 413 QUOTA_EXCEEDED, 502; anything else is internal). Never throws.
 */
import type { IntentResponse } from '../../contract/api.js';
import { filesByChecksumsStatements, firstByChecksum, type FileRow } from '../db/files.js';
import { insertIntentStatement, takeKeyVersionsStatement, type IntentRow } from '../db/intents.js';
import { stacksOfRoomsStatements, type StackRow } from '../db/stacks.js';
import { batchForOwner, type OrderRow } from '../db/users.js';
import { dropBatchOverQuotaStatement, keepWithinQuotaStatement } from '../db/quota.js';
import { inParallel } from '../lib/in-parallel.js';
import { quotaExceeded, reserveQuota } from '../lib/quota.js';
import { answerIntent, checkIntentLimits, intentBase, issueIntent, objectKeyOf, recordIntent, stackClaim, type IntentFields, type IntentScope } from './intent.js';
import { planStackIds, settleStackIds } from './stack-allocation-batch.js';

const ANSWERS_IN_FLIGHT = 8;

interface Pending {
  /** Index in the request. */
  i: number;
  f: IntentFields;
  mime: string;
  stackId?: string;
  row?: IntentRow;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** What a batch reads before it decides anything (its first D1 round trip, {@link readBatch}). */
export interface BatchReads {
  /** The order (the caller's). */
  order: OrderRow;
  /** Per checksum of the batch: the order's oldest listed file with it (absent: none). */
  existing: Map<string, FileRow>;
  /** The order's stack rows in the rooms of the batch's stack claims. */
  stacks: StackRow[];
}

/**
 * ONE D1 batch (one round trip, one transaction, db/users.ts batchForOwner): the order owned by `userId`, the
 * listed files of the items' checksums, the stacks of the rooms of the items with a stack_key. Null when the
 * order is not the caller's (403: nothing is issued). Throws what D1 throws.
 */
export async function readBatch(db: D1Database, orderId: string, userId: string, items: readonly (IntentFields | Error)[]): Promise<BatchReads | null> {
  const fields = items.filter((it): it is IntentFields => !(it instanceof Error));
  const byChecksum = filesByChecksumsStatements(db, orderId, fields.flatMap((f) => (f.checksum ? [f.checksum] : [])));
  const ofRooms = stacksOfRoomsStatements(db, orderId, [...new Set(fields.filter((f) => f.stackKey).map((f) => f.roomType))]);
  const owned = await batchForOwner(db, orderId, userId, [...byChecksum, ...ofRooms]);
  if (!owned) return null;
  const { order, results } = owned;
  return {
    order,
    existing: firstByChecksum(results.slice(0, byChecksum.length) as D1Result<FileRow>[]),
    stacks: results.slice(byChecksum.length).flatMap((r) => (r as D1Result<StackRow>).results),
  };
}

/** `list` grouped by (room, stack id), in list order within each group. */
function byStack(list: readonly Pending[]): Pending[][] {
  const groups = new Map<string, Pending[]>();
  for (const p of list) {
    const k = `${p.f.roomType}\0${p.stackId}`;
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  return [...groups.values()];
}

/** One counter statement per group, taking all its versions (db/intents.ts). */
function counterStatements(scope: IntentScope, groups: readonly Pending[][]): D1PreparedStatement[] {
  const db = scope.env.DB;
  return groups.map((g) => takeKeyVersionsStatement(db, scope.order.id, g[0].f.roomType, g[0].stackId as string, g.length));
}

/** Sets `row` of each file of `groups` (but `skip`) from its group's counter result: ascending versions in list order. */
function assignRows(scope: IntentScope, groups: readonly Pending[][], counted: readonly D1Result[], now: Date, skip?: ReadonlySet<Pending>): void {
  groups.forEach((g, k) => {
    const last = (counted[k] as D1Result<{ issued: number }>).results[0]?.issued;
    if (typeof last !== 'number') throw new Error('key counter returned no row');
    g.forEach((p, j) => {
      if (skip?.has(p)) return;
      const base = intentBase(scope, p.f, p.mime, p.stackId as string, now);
      p.row = { ...base, object_key: objectKeyOf(base, scope.order.shootcode, last - g.length + 1 + j, now) };
    });
  });
}

/**
 * The stack id (SPEC v2: allocated from stack_key, all claims at once; v1: the client's) and the versioned
 * row of every file of `list`: the stack writes and the counters in ONE D1 batch (the counters run after the
 * inserts they count under). A file whose stack was allocated again (a lost race) takes its version in a
 * second batch, under its new stack.
 */
async function recordRows(scope: IntentScope, list: Pending[], stackRows: readonly StackRow[], now: Date): Promise<void> {
  const db = scope.env.DB;
  const keyed = list.filter((p) => p.f.stackKey);
  const claims = keyed.map((p) => stackClaim(scope, p.f));
  const plan = planStackIds(db, scope.order.id, claims, stackRows, now);
  keyed.forEach((p, k) => {
    p.stackId = plan.ids[k];
  });
  for (const p of list) p.stackId ??= p.f.stackId;
  const groups = byStack(list);
  const res = await db.batch<unknown>([...plan.statements, ...counterStatements(scope, groups)]);
  const ids = await settleStackIds(db, claims, plan, res.slice(0, plan.statements.length), now);
  const moved = new Set(keyed.filter((p, k) => p.stackId !== ids[k]));
  keyed.forEach((p, k) => {
    p.stackId = ids[k];
  });
  assignRows(scope, groups, res.slice(plan.statements.length), now, moved);
  if (moved.size === 0) return;
  const again = byStack([...moved]);
  assignRows(scope, again, await db.batch(counterStatements(scope, again)), now);
}

/**
 * Inserts the rows, each followed by its quota check, in one D1 batch. Returns the files that stand
 * (with their row); a dropped one gets 413 QUOTA_EXCEEDED, a collided key is issued again the single way.
 */
async function insertRows(scope: IntentScope, list: Pending[], now: Date, out: (IntentResponse | Error | undefined)[]): Promise<Pending[]> {
  const { env, user, cfg } = scope;
  const db = env.DB;
  const { inserted, dropped } = await insertJudged(db, list, user.id, cfg.quotaBytes, now);
  // Bytes the batch kept after file k: a dropped file's usage figure is the one it was judged against.
  const keptAfter: number[] = new Array(list.length).fill(0);
  for (let k = list.length - 2; k >= 0; k--) keptAfter[k] = keptAfter[k + 1] + (inserted[k + 1] && !dropped[k + 1] ? list[k + 1].f.bytes : 0);
  const kept: Pending[] = [];
  for (const [k, p] of list.entries()) {
    const row = p.row as IntentRow;
    try {
      if (!inserted[k]) {
        p.row = await recordIntent(db, { ...row, object_key: undefined } as Omit<IntentRow, 'object_key'>, scope.order.shootcode, now);
        await reserveQuota(db, p.row, cfg.quotaBytes);
      } else if (dropped[k]) {
        throw await quotaExceeded(db, row, cfg.quotaBytes, keptAfter[k]);
      }
      kept.push(p);
    } catch (e) {
      out[p.i] = asError(e);
    }
  }
  return kept;
}

/**
 * The batch's rows inserted and judged against the quota: first all of them with ONE check of the whole
 * batch (the common case: it fits, one sum a request — issue 15 "no per-file work that can be per-request");
 * when the batch as a whole does not fit, its rows are gone again and they are inserted once more, each
 * followed by its own check, as one intent at a time would be (db/quota.ts). Both are one D1 batch.
 * @returns per row: inserted (false = its object key collided) and dropped over the quota.
 */
async function insertJudged(db: D1Database, list: Pending[], userId: string, limit: number, now: Date): Promise<{ inserted: boolean[]; dropped: boolean[] }> {
  const rows = list.map((p) => p.row as IntentRow);
  const whole = await db.batch([...rows.map((r) => insertIntentStatement(db, r)), dropBatchOverQuotaStatement(db, rows.map((r) => r.id), userId, limit, now)]);
  if (whole[rows.length].meta.changes === 0) return { inserted: rows.map((_, k) => whole[k].meta.changes === 1), dropped: rows.map(() => false) };
  const res = await db.batch(rows.flatMap((r) => [insertIntentStatement(db, r), keepWithinQuotaStatement(db, r.id, userId, limit, now)]));
  const inserted = rows.map((_, k) => res[2 * k].meta.changes === 1);
  return { inserted, dropped: rows.map((_, k) => inserted[k] && res[2 * k + 1].meta.changes === 1) };
}

/**
 * Issues the batch's intents (already parsed: fields, or the error of a bad item) with what {@link readBatch}
 * read for them; see the file comment.
 */
export async function issueAll(scope: IntentScope, items: readonly (IntentFields | Error)[], reads: BatchReads): Promise<(IntentResponse | Error)[]> {
  const out: (IntentResponse | Error | undefined)[] = items.map((it) => (it instanceof Error ? it : undefined));
  const todo: Pending[] = [];
  items.forEach((f, i) => {
    if (f instanceof Error) return;
    try {
      todo.push({ i, f, mime: checkIntentLimits(scope.cfg, f) });
    } catch (e) {
      out[i] = asError(e);
    }
  });
  let recorded: Pending[] = [];
  try {
    const fresh = todo.filter((p) => {
      const ex = p.f.checksum ? reads.existing.get(p.f.checksum) : undefined;
      if (ex) out[p.i] = { existing_file_id: ex.id, object_key: ex.object_key, stack_id: ex.stack_id };
      return !ex;
    });
    const now = new Date();
    if (fresh.length) {
      await recordRows(scope, fresh, reads.stacks, now);
      recorded = await insertRows(scope, fresh, now, out);
    }
  } catch (e) {
    // A batched step failed (its D1 batch changed nothing): the files without an answer go the single way.
    console.error('piximmo: batched intents failed, issuing one by one', e);
    for (const p of todo) if (out[p.i] === undefined) out[p.i] = await issueIntent(scope, p.f).catch(asError);
    recorded = [];
  }
  const answers = await inParallel(recorded, ANSWERS_IN_FLIGHT, (p) => answerIntent(scope, p.row as IntentRow, new Date(p.row?.created_at ?? Date.now())));
  answers.forEach((r, k) => {
    out[recorded[k].i] = r.status === 'fulfilled' ? r.value : asError(r.reason);
  });
  return out.map((r) => r ?? new Error('intent not issued'));
}
