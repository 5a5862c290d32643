/**
 * The preview queue's consumer (wrangler.toml [[queues.consumers]]; Worker `queue` handler). Per message
 * `{file_id}` (ProcessingMessage), one at a time:
 * 1. the file is gone, or already settled (ready/failed/infected/deleted/superseded) → ack, nothing else
 *    (a job for a file deleted meanwhile ends quietly; a duplicate message does nothing);
 * 2. claim: `uploaded → processing` (a redelivered message finds it `processing` and carries on);
 * 3. run the steps (steps.ts: scan hook, previews);
 * 4. `processing → ready` with the previews made — or `failed`/`infected` with the reason a step gave.
 *    Every write is the conditional UPDATE of domain/lifecycle.ts: when the user deleted the file while
 *    it was processed, the write matches nothing and the job ends quietly.
 * Errors: PermanentProcessingError → `failed` "<CODE>: <detail>", ack (never a loop). Anything else →
 * `message.retry({delaySeconds})` with exponential backoff (PROCESSING_RETRY_DELAY s × 2^(attempt−1),
 * ≤ 300 s) while attempts < MAX_ATTEMPTS, then `failed` with the last error's code. MAX_ATTEMPTS stays
 * below the queue's max_retries + 1, so the queue never drops a message the file still waits for.
 * The original object is only read.
 */
import { claimProcessing, isFileStatus, isSettled, transitionFile } from '../domain/lifecycle.js';
import type { Env } from '../env.js';
import { PermanentProcessingError, reasonText, TransientProcessingError } from './errors.js';
import type { ProcessingMessage } from './enqueue.js';
import { openObject, readObject } from './object-io.js';
import type { ProcessingContext, ProcessingFile, ProcessingStep } from './step.js';

/** Deliveries of one job before the file is marked `failed` (queue max_retries is 5 → 6 deliveries). */
export const MAX_ATTEMPTS = 4;
/** Seconds before the first retry; doubled per attempt, capped at 300. */
export const DEFAULT_RETRY_DELAY_S = 10;

export function retryDelaySeconds(env: Env, attempt: number): number {
  const base = Number(env.PROCESSING_RETRY_DELAY ?? DEFAULT_RETRY_DELAY_S);
  const b = Number.isFinite(base) && base >= 0 ? base : DEFAULT_RETRY_DELAY_S;
  return Math.min(300, Math.round(b * 2 ** Math.max(0, attempt - 1)));
}

interface FileStatusRow extends ProcessingFile {
  status: string;
}

async function loadFile(db: D1Database, id: string): Promise<FileStatusRow | null> {
  return db
    .prepare('SELECT id, user_id, order_id, object_key, filename, mime, bytes, status FROM files WHERE id = ?1')
    .bind(id)
    .first<FileStatusRow>();
}

function context(env: Env, file: ProcessingFile, attempt: number): ProcessingContext {
  let cached: Promise<Uint8Array> | null = null;
  return {
    env,
    file,
    attempt,
    previews: [],
    original() {
      cached ??= readObject(env, file.object_key).then((b) => {
        if (!b) throw new PermanentProcessingError('OBJECT_MISSING', `the original ${file.object_key} is not in storage`);
        return b;
      });
      return cached;
    },
    async openOriginal() {
      const s = await openObject(env, file.object_key);
      if (!s) throw new PermanentProcessingError('OBJECT_MISSING', `the original ${file.object_key} is not in storage`);
      return s;
    },
  };
}

export type JobResult = 'ready' | 'failed' | 'infected' | 'skipped' | 'retry' | 'gone';

/** Runs one job to its end (or to a retry). Exported for tests; `steps` defaults to processingSteps(env). */
export async function processFile(
  env: Env,
  fileId: string,
  attempt: number,
  retry: (delaySeconds: number) => void,
  steps?: ProcessingStep[],
): Promise<JobResult> {
  const row = await loadFile(env.DB, fileId);
  if (!row || !isFileStatus(row.status)) return 'gone';
  if (isSettled(row.status)) return 'skipped';
  if (!(await claimProcessing(env.DB, fileId))) return 'skipped';
  // Loaded here rather than imported at the top: the scan step reaches `cloudflare:sockets`, which only
  // workerd provides, and tests run this function in Node with stub steps.
  const run = steps ?? (await import('./steps.js')).processingSteps(env);
  const ctx = context(env, row, attempt);
  const started = Date.now();
  try {
    for (const step of run) {
      const out = await step.run(ctx);
      if (out?.kind === 'stop') {
        const ok = await transitionFile(env.DB, fileId, out.status, { reason: out.reason.slice(0, 500) });
        return ok ? out.status : 'gone';
      }
    }
  } catch (e) {
    const permanent = e instanceof PermanentProcessingError;
    if (!permanent && attempt < MAX_ATTEMPTS) {
      console.warn(`piximmo processing ${fileId}: attempt ${attempt} failed, retrying: ${String(e)}`);
      retry(retryDelaySeconds(env, attempt));
      return 'retry';
    }
    const code = e instanceof PermanentProcessingError || e instanceof TransientProcessingError ? e.code : 'PROCESSING_ERROR';
    const detail = e instanceof Error ? e.message : String(e);
    const reason = permanent ? reasonText(code, detail) : reasonText(code, `gave up after ${attempt} attempts: ${detail}`);
    const ok = await transitionFile(env.DB, fileId, 'failed', { reason });
    return ok ? 'failed' : 'gone';
  }
  const ok = await transitionFile(env.DB, fileId, 'ready', { previews: ctx.previews, reason: ctx.readyReason ?? null });
  console.log(`piximmo processing ${fileId}: ${ok ? 'ready' : 'gone meanwhile'} in ${Date.now() - started} ms (${ctx.previews.length} previews)`);
  return ok ? 'ready' : 'gone';
}

function fileIdOf(body: unknown): string | null {
  const id = (body as Partial<ProcessingMessage> | null)?.file_id;
  return typeof id === 'string' && id.length > 0 && id.length <= 100 ? id : null;
}

/** The Worker's `queue` handler for the preview queue. */
export async function handleProcessingBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const msg of batch.messages) {
    const id = fileIdOf(msg.body);
    if (!id) {
      console.error(`piximmo processing: dropping a malformed message ${JSON.stringify(msg.body)}`);
      msg.ack();
      continue;
    }
    let retried = false;
    try {
      await processFile(env, id, msg.attempts, (delaySeconds) => {
        retried = true;
        msg.retry({ delaySeconds });
      });
      if (!retried) msg.ack();
    } catch (e) {
      // D1 itself failed (claim or final write): try the whole job again later.
      console.error(`piximmo processing ${id}: ${String(e)}`);
      if (msg.attempts < MAX_ATTEMPTS) msg.retry({ delaySeconds: retryDelaySeconds(env, msg.attempts) });
      else msg.ack();
    }
  }
}
