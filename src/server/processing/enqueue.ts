/**
 * After finalize (single, and finalize-batch): one message per newly registered file to the preview
 * queue (binding PREVIEW_QUEUE, wrangler.toml [[queues.producers]]), body `{file_id}` (ProcessingMessage).
 * Sent in batches of ≤ 100 (the Queues sendBatch limit). Without the binding (a deployment that has not
 * declared the queue) nothing is sent and the files stay `uploaded`.
 * Throws when the queue refuses; callers that must not fail the finalize catch and log.
 */
import type { Env } from '../env.js';

export interface ProcessingMessage {
  file_id: string;
}

const SEND_BATCH_MAX = 100;

/** The ids among `fileIds` whose file is still `uploaded` (not yet claimed by a job), in the given order. */
async function stillUploaded(db: D1Database, fileIds: readonly string[]): Promise<string[]> {
  const waiting = new Set<string>();
  for (let i = 0; i < fileIds.length; i += SEND_BATCH_MAX) {
    const chunk = fileIds.slice(i, i + SEND_BATCH_MAX);
    const marks = chunk.map((_, j) => `?${j + 1}`).join(', ');
    const r = await db.prepare(`SELECT id FROM files WHERE status = 'uploaded' AND id IN (${marks})`).bind(...chunk).all<{ id: string }>();
    for (const row of r.results) waiting.add(row.id);
  }
  return [...new Set(fileIds)].filter((id) => waiting.has(id));
}

/**
 * Sends one job per file of `fileIds` that is still `uploaded` (a repeated finalize of a file already
 * processing or processed sends nothing). Call it after the finalize's D1 write.
 */
export async function enqueueProcessing(env: Env, fileIds: readonly string[]): Promise<void> {
  const q = env.PREVIEW_QUEUE;
  if (!q || fileIds.length === 0) return;
  const ids = await stillUploaded(env.DB, fileIds);
  for (let i = 0; i < ids.length; i += SEND_BATCH_MAX) {
    const chunk = ids.slice(i, i + SEND_BATCH_MAX);
    if (chunk.length === 1) await q.send({ file_id: chunk[0] }, { contentType: 'json' });
    else await q.sendBatch(chunk.map((id) => ({ body: { file_id: id }, contentType: 'json' as const })));
  }
}

/** enqueueProcessing for use right after a finalize: a queue failure is logged, never the caller's error. */
export async function enqueueAfterFinalize(env: Env, fileIds: readonly string[]): Promise<void> {
  try {
    await enqueueProcessing(env, fileIds);
  } catch (e) {
    console.error(`piximmo: could not enqueue processing of ${fileIds.join(', ')}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
