/**
 * Multipart transfer of one file (SPEC "Multipart", files > 100 MB): parts of `part_size` bytes,
 * several in flight, each part's ETag saved in the manifest as it finishes, so that a re-run after any
 * interruption asks fresh URLs only for the missing parts and never sends a finished part again.
 */
import pLimit from 'p-limit';
import type { MultipartIntentResponse, PartUrl } from '../../contract/api.js';
import { FileMeter } from './body-meter.js';
import { partCount, partRange } from '../../contract/parts.js';
import type { EngineEvent, PlannedFile } from './events.js';
import { FileProblem, TransferAborted } from './failures.js';
import { endsMultipart, FileAttempts } from './recovery.js';
import { decide, withRetry, type RetryContext } from './retry.js';
import { transferConfig } from './transfer-config.js';
import type { UploadApi } from './upload-api.js';

/** Parts of one file in flight at once. */
export const PARTS_IN_FLIGHT = 3;

export interface MultipartContext {
  api: UploadApi;
  emit: (e: EngineEvent) => void;
  /** The file's meter (the engine's, so an upload-again takes back the parts too); one of its own when absent. */
  meter?: FileMeter;
  /** Budgets, clock, signal; `file` is the file's shared attempts (recovery.ts), its own when absent. */
  retryCtx: RetryContext;
  signal: AbortSignal;
  /** The upload is continued from the manifest (an earlier run's): a forgotten upload id means upload again. */
  resumed?: boolean;
}

/** Part arithmetic: the contract's, shared with the server (src/contract/parts.ts). */
export { partCount, partRange } from '../../contract/parts.js';

/**
 * Sends the missing parts and completes the upload. `intent.multipart.parts` may be empty (resume):
 * URLs are then fetched for the missing parts. Throws ApiError/FileProblem; on a permanent error the
 * server-side upload is aborted and the manifest's multipart record dropped.
 */
export async function uploadMultipart(given: MultipartContext, f: PlannedFile, intent: MultipartIntentResponse): Promise<void> {
  const file = given.retryCtx.file ?? new FileAttempts(transferConfig(given.retryCtx.policy).fileAttempts);
  const ctx = { ...given, meter: given.meter ?? new FileMeter(f, given.emit), retryCtx: { ...given.retryCtx, file, resumed: given.resumed } };
  const manifest = f.shoot.manifest;
  const { upload_id, part_size } = intent.multipart;
  const object_key = intent.object_key;
  if (part_size <= 0) throw new FileProblem({ code: 'BAD_RESPONSE', detail: 'the server gave a part size of 0' });
  const entry = manifest.get(f.relPath)!;
  const etags: Record<string, string> =
    entry.multipart?.upload_id === upload_id ? { ...entry.multipart.etags } : {};
  manifest.patch(f.relPath, { multipart: { upload_id, object_key, part_size, etags } });

  const total = partCount(f.bytes, part_size);
  const done = Object.keys(etags).map(Number);
  // Finished parts count as sent for progress, without sending them again.
  const already = done.reduce((s, n) => s + partRange(n, f.bytes, part_size).length, 0);
  ctx.meter.resumed(already);

  const missing: number[] = [];
  for (let n = 1; n <= total; n++) if (!etags[n]) missing.push(n);
  const urls = new Map<number, string>(intent.multipart.parts.map((p: PartUrl) => [p.part_number, p.url]));
  const refresh = async (numbers: number[]): Promise<void> => {
    const res = await withRetry(() => ctx.api.multipartParts({ object_key, upload_id, part_numbers: numbers }, ctx.signal), { ...ctx.retryCtx, step: 'parts-urls' });
    for (const p of res.parts) urls.set(p.part_number, p.url);
  };
  const needUrls = missing.filter((n) => !urls.has(n));
  if (needUrls.length > 0) await refresh(needUrls);

  try {
    // One failed part stops the others from starting; those in flight are waited for, so nothing is
    // written into the manifest or sent to the upload after it was given up.
    let failure: { err: unknown } | undefined;
    const limit = pLimit(PARTS_IN_FLIGHT);
    await Promise.allSettled(
      missing.map((n) =>
        limit(async () => {
          if (ctx.signal.aborted || failure) return;
          try {
            const etag = await sendPart(ctx, f, n, part_size, urls, refresh);
            etags[n] = etag;
            const cur = manifest.get(f.relPath)!;
            manifest.patch(f.relPath, {
              multipart: { upload_id, object_key, part_size, etags: { ...(cur.multipart?.etags ?? {}), [n]: etag } },
            });
          } catch (err) {
            failure ??= { err };
          }
        }),
      ),
    );
    if (failure) throw failure.err;
    if (ctx.signal.aborted) throw new TransferAborted('multipart');
    const parts = Object.entries(etags)
      .map(([n, etag]) => ({ part_number: Number(n), etag }))
      .sort((a, b) => a.part_number - b.part_number);
    await withRetry(() => ctx.api.multipartComplete({ object_key, upload_id, parts }, ctx.signal), { ...ctx.retryCtx, step: 'complete' });
  } catch (err) {
    if (endsMultipart(err)) {
      await ctx.api.multipartAbort({ object_key, upload_id }).catch(() => undefined);
      manifest.patch(f.relPath, { multipart: undefined });
    }
    throw err;
  }
}

/** Sends part `n` until it has an ETag; a refused URL is renewed as recovery.ts allows. Returns the ETag. */
async function sendPart(
  ctx: MultipartContext & { meter: FileMeter },
  f: PlannedFile,
  n: number,
  partSize: number,
  urls: Map<number, string>,
  refresh: (numbers: number[]) => Promise<void>,
): Promise<string> {
  const range = partRange(n, f.bytes, partSize);
  const retry: RetryContext = { ...ctx.retryCtx, step: 'part', url: `part ${n}` };
  const body = ctx.meter.read();
  for (;;) {
    try {
      const res = await withRetry(() => {
        body.restart();
        return ctx.api.put(urls.get(n)!, {}, { path: f.absPath, ...range }, { signal: ctx.signal, onBytes: body.onBytes });
      }, retry);
      if (!res.etag) throw new FileProblem({ code: 'BAD_RESPONSE', detail: `part ${n}: the server sent no ETag` });
      return res.etag;
    } catch (err) {
      body.restart();
      if (decide(err, retry).kind !== 'renew-url') throw err;
      await refresh([n]);
    }
  }
}
