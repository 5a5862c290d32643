/**
 * Finalize, single and batch (SPEC "POST /api/uploads/finalize", SPEC v2 "POST /api/uploads/finalize-batch":
 * "each item is checked as a single finalize"): the checks of domain/finalize-check.ts, the writes of
 * domain/finalize-write.ts. Answer per file: FinalizeResponse `{file_id, status: "uploaded"}` or the
 * HttpError of its check (403, 409, 422, 400 "replaces", 502).
 *
 * A batch costs per request what a single finalize costs per file (issue 15 "Server cost per file"): one
 * query for all its intents, the storage checks in parallel (≤ STORAGE_CHECKS_IN_FLIGHT at a time), one
 * D1 batch for the rows, one queue send. Results keep the request's order; same key twice → the same
 * file_id twice (the writes run in list order).
 */
import type { FinalizeResponse } from '../../contract/api.js';
import { getIntentByKey, getIntentsByKeys } from '../db/intents.js';
import type { UserRow } from '../db/users.js';
import type { Env } from '../env.js';
import { inParallel } from '../lib/in-parallel.js';
import type { ObjectStore } from '../storage/index.js';
import { checkFinalize, type CheckedFinalize, type FinalizeFields } from './finalize-check.js';
import { writeFinalized } from './finalize-write.js';

export type { FinalizeFields } from './finalize-check.js';

/** Storage checks (HEAD, or a read for the hash) of one batch in flight at once. */
export const STORAGE_CHECKS_IN_FLIGHT = 8;

/** What every finalize of one request shares; the store is the request's (c.var.services, lib/services.ts). */
export interface FinalizeScope {
  env: Env;
  user: UserRow;
  store: ObjectStore;
}

/** Finalizes one upload in `scope`. Throws HttpError (or Error: internal). */
export async function finalizeUpload(scope: FinalizeScope, f: FinalizeFields): Promise<FinalizeResponse> {
  const { env, user, store } = scope;
  const checked = await checkFinalize(env.DB, store, user, f, await getIntentByKey(env.DB, f.objectKey));
  const [r] = await writeFinalized(env, store, user.id, [checked]);
  if (r instanceof Error) throw r;
  return { file_id: r, status: 'uploaded' };
}

/**
 * Finalizes the batch's items (already parsed: fields, or the error of a bad item) in `scope`.
 * Never throws: per item, in order, its FinalizeResponse or its Error (HttpError, else internal).
 * `alongside`: see writeFinalized (domain/finalize-write.ts); not called when the intents could not be read.
 */
export async function finalizeAll(
  scope: FinalizeScope,
  items: readonly (FinalizeFields | Error)[],
  alongside?: () => Promise<unknown>,
): Promise<(FinalizeResponse | Error)[]> {
  const { env, user, store } = scope;
  const out: (FinalizeResponse | Error)[] = items.map((it) => (it instanceof Error ? it : new Error('not finalized')));
  const todo = items.flatMap((it, i) => (it instanceof Error ? [] : [{ f: it, i }]));
  let intents: Awaited<ReturnType<typeof getIntentsByKeys>>;
  try {
    intents = await getIntentsByKeys(env.DB, todo.map((t) => t.f.objectKey));
  } catch (e) {
    for (const t of todo) out[t.i] = e instanceof Error ? e : new Error(String(e));
    return out;
  }
  const checks = await inParallel(todo, STORAGE_CHECKS_IN_FLIGHT, (t) => checkFinalize(env.DB, store, user, t.f, intents.get(t.f.objectKey)));
  const passed: { c: CheckedFinalize; i: number }[] = [];
  checks.forEach((r, k) => {
    if (r.status === 'fulfilled') passed.push({ c: r.value, i: todo[k].i });
    else out[todo[k].i] = r.reason instanceof Error ? r.reason : new Error(String(r.reason));
  });
  const written = await writeFinalized(env, store, user.id, passed.map((p) => p.c), alongside);
  written.forEach((r, k) => {
    out[passed[k].i] = r instanceof Error ? r : { file_id: r, status: 'uploaded' };
  });
  return out;
}
