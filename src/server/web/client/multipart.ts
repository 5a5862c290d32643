/**
 * Multipart upload of one file (SPEC "Multipart (files > 100 MB)"; the intent answered `multipart`):
 * every part PUT straight to its signed URL in order, with progress; part 403/410 → fresh part URLs
 * (POST /api/uploads/multipart/parts, at most twice per part; an upload no longer open there → UrlRejected,
 * i.e. a new intent); a network error → backoff and the same part again; then
 * POST /api/uploads/multipart/complete. Cancelled → POST /api/uploads/multipart/abort (best effort).
 */
import type { Api } from './api.js';
import { Cancelled, fatalFor, NetworkError, UrlRejected } from './errors.js';
import { putBlob } from './xhr.js';

export interface MultipartIntent {
  object_key: string;
  multipart: { upload_id: string; part_size: number; parts: { part_number: number; url: string }[] };
}

export async function uploadMultipart(
  api: Api,
  file: File,
  intent: MultipartIntent,
  onProgress: (sent: number) => void,
  backoff: (attempt: number) => Promise<number>,
  signal: AbortSignal,
): Promise<void> {
  const { upload_id, part_size, parts } = intent.multipart;
  const ref = { object_key: intent.object_key, upload_id };
  const urls = new Map(parts.map((p) => [p.part_number, p.url]));
  const done: { part_number: number; etag: string }[] = [];
  let before = 0;
  try {
    for (let n = 1; n <= parts.length; n++) {
      const blob = file.slice((n - 1) * part_size, Math.min(file.size, n * part_size));
      let refreshed = 0;
      let net = 0;
      for (;;) {
        let r: Awaited<ReturnType<typeof putBlob>>;
        try {
          r = await putBlob(urls.get(n) ?? '', {}, blob, (loaded) => onProgress(before + loaded), signal);
        } catch (e) {
          if (!(e instanceof NetworkError)) throw e;
          net = await backoff(net);
          continue;
        }
        if (r.status >= 200 && r.status < 300) {
          let etag = r.etag ?? '';
          try {
            etag = (JSON.parse(r.text) as { etag?: string }).etag ?? etag;
          } catch {
            // S3/R2 answer without a body: the header is the ETag.
          }
          done.push({ part_number: n, etag });
          break;
        }
        if (r.status === 403 || r.status === 410) {
          if (refreshed++ >= 2) throw new UrlRejected(`part ${n}: ${r.status}`);
          const fresh = await api.call<{ parts: { part_number: number; url: string }[] }>(
            'POST', '/api/uploads/multipart/parts', { ...ref, part_numbers: range(n, parts.length) }, signal);
          if (fresh.status === 410) throw new UrlRejected('multipart upload no longer open');
          if (fresh.status >= 500) throw new NetworkError(`parts: ${fresh.status}`);
          if (fresh.status !== 200) throw fatalFor(fresh.status, fresh.body.error?.code, fresh.body.error?.message ?? '');
          for (const p of fresh.body.parts) urls.set(p.part_number, p.url);
          continue;
        }
        if (r.status >= 500) {
          net = await backoff(net);
          continue;
        }
        throw fatalFor(r.status, undefined, `part ${n}: ${r.status}`);
      }
      before += blob.size;
    }
    const c = await api.call('POST', '/api/uploads/multipart/complete', { ...ref, parts: done }, signal);
    if (c.status === 410) throw new UrlRejected('multipart upload no longer open');
    if (c.status >= 500) throw new NetworkError(`complete: ${c.status}`);
    if (c.status !== 200) throw fatalFor(c.status, c.body.error?.code, c.body.error?.message ?? '');
  } catch (e) {
    if (e instanceof Cancelled) void api.call('POST', '/api/uploads/multipart/abort', ref).catch(() => undefined);
    throw e;
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
