/**
 * One file's way into the order (seed 000 "Frontend-Ablauf (pro Datei)", SPEC "The web uploader"):
 * SHA-256 (worker) → POST /api/uploads/intent → PUT to the signed URL (or multipart) with progress →
 * POST /api/uploads/finalize → registered. Seed 000's error table:
 * - intent 429 → wait Retry-After (not counted); 401 (any call) → sign-in page (api.ts);
 * - PUT 403/410 → a new intent, at most URL_RENEWALS times, then failed;
 * - finalize 409 → back to „wartet…", then upload again (at most MISSING_RETRIES times);
 * - no answer / cut / stall / 5xx → exponential backoff with jitter (BACKOFF_BASE_MS doubling, NET_RETRIES
 *   times), a new intent each time (seed: "Bei Abbruch/Timeout: Retry mit neuer signed_url"), then failed;
 * - other 4xx → failed with the server's reason. „Abbrechen" aborts at any step (Cancelled).
 * The caller (queue.ts) maps the outcome to the item's state.
 */
import type { Api, ApiAnswer } from './api.js';
import { Fatal, fatalFor, NetworkError, ObjectMissing, sleep, UrlRejected } from './errors.js';
import type { Hasher } from './hasher.js';
import { setState, type UploadItem } from './item.js';
import { type MultipartIntent, uploadMultipart } from './multipart.js';
import { putBlob } from './xhr.js';

export const URL_RENEWALS = 2;
export const MISSING_RETRIES = 2;
export const NET_RETRIES = 3;
export const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8000;

export interface TransferContext {
  api: Api;
  hasher: Hasher;
  orderId: string;
  /** Redraws the item. */
  changed(item: UploadItem): void;
  /** Waits for a free intent slot (client-side pacing under the server's 3/s). */
  paceIntent(): Promise<void>;
}

type IntentAnswer =
  | { existing_file_id: string; object_key: string }
  | { signed_url: string; object_key: string; headers: Record<string, string> }
  | MultipartIntent;

function mimeOf(file: File): string {
  return file.type || 'application/octet-stream';
}

export async function transfer(item: UploadItem, ctx: TransferContext): Promise<void> {
  const signal = item.ctrl.signal;
  const changed = () => ctx.changed(item);
  const backoff = async (attempt: number): Promise<number> => {
    if (attempt >= NET_RETRIES) throw new Fatal('error.network');
    const ms = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt) * (0.5 + Math.random() * 0.5);
    item.detail = { key: 'detail.retryIn', vars: { s: Math.max(1, Math.round(ms / 1000)) } };
    changed();
    await sleep(ms, signal);
    return attempt + 1;
  };

  if (!item.checksum) {
    item.detail = { key: 'detail.hashing' };
    changed();
    try {
      item.checksum = await ctx.hasher.hash(item.file);
    } catch (e) {
      throw new Fatal('error.read', {}, e instanceof Error ? e.message : String(e));
    }
  }
  let renewals = 0;
  let missing = 0;
  let net = 0;
  for (;;) {
    item.detail = null;
    item.sent = 0;
    const intent = await requestIntent(item, ctx, signal).catch(async (e: unknown) => {
      if (!(e instanceof NetworkError)) throw e;
      net = await backoff(net);
      return null;
    });
    if (!intent) continue;
    if ('existing_file_id' in intent) {
      item.fileId = intent.existing_file_id;
      item.sent = item.file.size;
      item.detail = { key: 'detail.duplicate' };
      setState(item, 'registered');
      return changed();
    }
    setState(item, 'uploading');
    changed();
    const progress = (sent: number) => {
      item.sent = sent;
      changed();
    };
    try {
      if ('multipart' in intent) await uploadMultipart(ctx.api, item.file, intent, progress, backoff, signal);
      else await putSingle(intent, item.file, progress, signal);
    } catch (e) {
      if (e instanceof UrlRejected) {
        if (++renewals > URL_RENEWALS) throw new Fatal('error.urlExpired');
        item.detail = { key: 'detail.newUrl' };
        continue;
      }
      if (e instanceof NetworkError) {
        net = await backoff(net);
        continue;
      }
      throw e;
    }
    item.sent = item.file.size;
    setState(item, 'uploaded');
    changed();
    try {
      item.fileId = await finalize(intent.object_key, item, ctx, backoff, signal);
    } catch (e) {
      if (!(e instanceof ObjectMissing)) throw e;
      if (++missing > MISSING_RETRIES) throw new Fatal('error.missing');
      setState(item, 'waiting');
      item.sent = 0;
      item.detail = { key: 'detail.missing' };
      changed();
      await sleep(400, signal);
      continue;
    }
    item.detail = null;
    setState(item, 'registered');
    return changed();
  }
}

async function requestIntent(item: UploadItem, ctx: TransferContext, signal: AbortSignal): Promise<IntentAnswer> {
  const body: Record<string, unknown> = {
    filename: item.file.name,
    mime: mimeOf(item.file),
    order_id: ctx.orderId,
    room_type: item.room,
    bytes: item.file.size,
    checksum: item.checksum,
  };
  if (item.stack) body.stack_id = item.stack;
  for (;;) {
    await ctx.paceIntent();
    const r = await ctx.api.call<IntentAnswer>('POST', '/api/uploads/intent', body, signal);
    if (r.status === 200) return r.body;
    if (r.status === 429) {
      item.detail = { key: 'detail.rateLimited' };
      ctx.changed(item);
      await sleep((r.retryAfterS ?? 1) * 1000, signal);
      continue;
    }
    if (r.status >= 500) throw new NetworkError(`intent: ${r.status}`);
    throw fatalFor(r.status, r.body.error?.code, r.body.error?.message ?? '');
  }
}

async function putSingle(
  intent: { signed_url: string; headers: Record<string, string> },
  file: File,
  onProgress: (sent: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const r = await putBlob(intent.signed_url, intent.headers ?? {}, file, onProgress, signal);
  if (r.status >= 200 && r.status < 300) return;
  if (r.status === 403 || r.status === 410) throw new UrlRejected(`PUT ${r.status}`);
  if (r.status >= 500 || r.status === 0) throw new NetworkError(`PUT ${r.status}`);
  let code: string | undefined;
  try {
    code = (JSON.parse(r.text) as { error?: { code?: string } }).error?.code;
  } catch {
    // S3's XML error body: the status decides.
  }
  throw fatalFor(r.status, code, `PUT ${r.status}`);
}

async function finalize(
  objectKey: string,
  item: UploadItem,
  ctx: TransferContext,
  backoff: (attempt: number) => Promise<number>,
  signal: AbortSignal,
): Promise<string> {
  let net = 0;
  for (;;) {
    let r: ApiAnswer<{ file_id?: string }>;
    try {
      r = await ctx.api.call<{ file_id?: string }>('POST', '/api/uploads/finalize', { object_key: objectKey, bytes: item.file.size, checksum: item.checksum }, signal);
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
      net = await backoff(net);
      continue;
    }
    if (r.status === 200) return String(r.body.file_id);
    if (r.status === 409) throw new ObjectMissing(r.body.error?.message ?? 'object missing');
    if (r.status >= 500) {
      net = await backoff(net);
      continue;
    }
    throw fatalFor(r.status, r.body.error?.code, r.body.error?.message ?? '');
  }
}
