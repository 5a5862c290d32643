/**
 * A batch of intents (SPEC v2 `POST /api/uploads/intents`: "per file, in order, exactly what
 * POST /api/uploads/intent answers"), issued with per-request instead of per-file work (issue 15 "Server
 * cost per file"): one query for the existing files of all checksums, the stacks of all claims allocated
 * together (domain/stack-allocation-batch.ts: one query, one D1 batch), one counter statement per (room, stack) taking all its versions, and ONE D1 batch inserting every
 * intent with its quota check right after it — the statements of a batch run one after another in one
 * transaction, so each intent is judged exactly as a single intent would be (db/quota.ts: race-safe).
 * Keys of one (room, stack) get ascending versions in list order, as before.
 * A key that collides anyway (UNIQUE(object_key)) is issued again the single way (domain/intent.ts
 * recordIntent); a failing batched D1 step leaves the files it did not answer to the single path.
 * Answers (signing, multipart starts) run ≤ ANSWERS_IN_FLIGHT at a time.
 *
 * `issueAll(scope, items)` → per item, in order: its IntentResponse or its Error (HttpError: 400 from
 * parsing, 413, 415, 413 QUOTA_EXCEEDED, 502; anything else is internal). Never throws.
 */
import type { IntentResponse } from '../../contract/api.js';
import { findFilesByChecksums } from '../db/files.js';
import { insertIntentStatement, takeKeyVersionsStatement, type IntentRow } from '../db/intents.js';
import { dropBatchOverQuotaStatement, keepWithinQuotaStatement } from '../db/quota.js';
import { inParallel } from '../lib/in-parallel.js';
import { quotaExceeded, reserveQuota } from '../lib/quota.js';
import { answerIntent, checkIntentLimits, intentBase, issueIntent, objectKeyOf, recordIntent, stackClaim, type IntentFields, type IntentScope } from './intent.js';
import { allocateStackIds } from './stack-allocation-batch.js';

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

/** The stack id of every file of `list` (SPEC v2: allocated from stack_key, all claims at once; v1: the client's). */
async function allocateStacks(scope: IntentScope, list: Pending[], now: Date): Promise<void> {
  const keyed = list.filter((p) => p.f.stackKey);
  const ids = await allocateStackIds(scope.env.DB, scope.order.id, keyed.map((p) => stackClaim(scope, p.f)), now);
  keyed.forEach((p, k) => {
    p.stackId = ids[k];
  });
  for (const p of list) p.stackId ??= p.f.stackId;
}

/** Versions for every file, one counter statement per (room, stack), all in one D1 batch; sets `row`. */
async function recordRows(scope: IntentScope, list: Pending[], now: Date): Promise<void> {
  const groups = new Map<string, Pending[]>();
  for (const p of list) {
    const k = `${p.f.roomType}\0${p.stackId}`;
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  const db = scope.env.DB;
  const gs = [...groups.values()];
  const counted = await db.batch<{ issued: number }>(gs.map((g) => takeKeyVersionsStatement(db, scope.order.id, g[0].f.roomType, g[0].stackId as string, g.length)));
  gs.forEach((g, k) => {
    const last = counted[k].results[0]?.issued;
    if (typeof last !== 'number') throw new Error('key counter returned no row');
    g.forEach((p, j) => {
      const base = intentBase(scope, p.f, p.mime, p.stackId as string, now);
      p.row = { ...base, object_key: objectKeyOf(base, scope.order.shootcode, last - g.length + 1 + j, now) };
    });
  });
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

/** Issues the batch's intents (already parsed: fields, or the error of a bad item); see the file comment. */
export async function issueAll(scope: IntentScope, items: readonly (IntentFields | Error)[]): Promise<(IntentResponse | Error)[]> {
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
    const sums = todo.flatMap((p) => (p.f.checksum ? [p.f.checksum] : []));
    const existing = sums.length ? await findFilesByChecksums(scope.env.DB, scope.order.id, sums) : new Map();
    const fresh = todo.filter((p) => {
      const ex = p.f.checksum ? existing.get(p.f.checksum) : undefined;
      if (ex) out[p.i] = { existing_file_id: ex.id, object_key: ex.object_key, stack_id: ex.stack_id };
      return !ex;
    });
    const now = new Date();
    if (fresh.length) {
      await allocateStacks(scope, fresh, now);
      await recordRows(scope, fresh, now);
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
