/**
 * Typed client of the piximmo API (SPEC "API"). One instance per process; every call goes through
 * one keep-alive undici Agent. Calls throw ApiError (see errors.ts); they never retry by themselves —
 * retry policy lives in the engine (src/core/transfer/retry.ts), in one place.
 */
import { createReadStream } from 'node:fs';
import type { Dispatcher } from 'undici';
import type {
  DeleteFileResponse,
  DownloadResponse,
  FileListQuery,
  FileListResponse,
  FinalizeBatchRequest,
  FinalizeRequest,
  FinalizeResponse,
  IntentRequest,
  IntentResponse,
  MeResponse,
  MultipartAbortRequest,
  MultipartCompleteRequest,
  MultipartPartsRequest,
  MultipartPartsResponse,
  OrdersResponse,
  StacksResponse,
  DeviceCodeResponse,
  DeviceTokenResponse,
  UploadStatsResponse,
} from '../contract/api.js';
import { ApiError } from './errors.js';
import { ERROR_STATUS, isErrorBody } from '../contract/errors.js';
import { createAgent, DEFAULT_STALL_MS, parseJsonAnswer, send } from './http.js';

export interface ApiClientOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:8787 (no production host is hard-coded: SPEC "The CLI"). */
  apiUrl: string;
  /** Device token; sent as `Authorization: Bearer`. */
  token?: string;
  dispatcher?: Dispatcher;
  /** SPEC: no bytes for 30 s → network error. */
  stallMs?: number;
  userAgent?: string;
  /** Called before each chunk of a PUT body is sent (`--bwlimit`): resolves when `n` bytes may go. */
  throttle?: (n: number, signal?: AbortSignal) => Promise<void>;
}

/** A byte range of a local file to PUT (whole file, or one multipart part). */
export interface PutSource {
  path: string;
  /** First byte, inclusive. */
  start: number;
  /** Number of bytes. */
  length: number;
}

export interface PutResult {
  /** ETag of the stored object or part, quotes kept as the server sent them. */
  etag: string;
}

export class PiximmoApi {
  readonly apiUrl: string;
  readonly dispatcher: Dispatcher;
  private readonly token?: string;
  private readonly stallMs: number;
  private readonly userAgent: string;
  private readonly throttle?: ApiClientOptions['throttle'];

  constructor(opts: ApiClientOptions) {
    this.apiUrl = opts.apiUrl.replace(/\/+$/, '');
    this.token = opts.token;
    this.dispatcher = opts.dispatcher ?? createAgent();
    this.stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
    this.userAgent = opts.userAgent ?? 'piximmo-cli';
    this.throttle = opts.throttle;
  }

  /** POST /api/uploads/intent. Throws ApiError (400, 401, 403 ORDER_FORBIDDEN, 413, 415, 429 with retryAfterMs). */
  intent(body: IntentRequest, signal?: AbortSignal): Promise<IntentResponse> {
    return this.json('POST', '/api/uploads/intent', body, signal);
  }

  /**
   * POST /api/uploads/intents (issue 5, seed 002's prepare-upload): intents for up to 50 files of one order
   * in one request, counted once by the rate limit. Resolves to one response or one ApiError per file, in
   * order. Throws ApiError for the whole request (401, 403 ORDER_FORBIDDEN, 429, 404 on servers without it).
   */
  async intentBatch(orderId: string, files: Omit<IntentRequest, 'order_id'>[], signal?: AbortSignal): Promise<(IntentResponse | ApiError)[]> {
    const operation = 'POST /api/uploads/intents';
    const res = await this.json<{ uploads?: unknown }>('POST', '/api/uploads/intents', { order_id: orderId, files }, signal);
    if (!Array.isArray(res.uploads) || res.uploads.length !== files.length) {
      throw new ApiError({ kind: 'protocol', code: 'BAD_RESPONSE', message: 'the batch answer does not list one upload per file', operation });
    }
    return res.uploads.map((u: unknown) => {
      if (isErrorBody(u)) {
        const status = (ERROR_STATUS as Record<string, number>)[u.error.code] ?? 400;
        return new ApiError({ kind: 'http', status, code: u.error.code, message: u.error.message, operation, details: u.error.details });
      }
      return u as IntentResponse;
    });
  }

  /** POST /api/uploads/finalize. Throws ApiError (403 KEY_FORBIDDEN, 409 OBJECT_MISSING, 422). Idempotent per key. */
  finalize(body: FinalizeRequest, signal?: AbortSignal): Promise<FinalizeResponse> {
    return this.json('POST', '/api/uploads/finalize', body, signal);
  }

  /**
   * POST /api/uploads/finalize-batch (SPEC v2, seed 002's confirm-upload): up to 50 finalizes in one request.
   * Resolves to one answer or one ApiError per item, in order. Throws ApiError for the whole request
   * (401, 400, 404/405 on servers without the route, network).
   */
  async finalizeBatch(files: FinalizeBatchRequest['files'], signal?: AbortSignal): Promise<(FinalizeResponse | ApiError)[]> {
    const operation = 'POST /api/uploads/finalize-batch';
    const res = await this.json<{ results?: unknown }>('POST', '/api/uploads/finalize-batch', { files }, signal);
    if (!Array.isArray(res.results) || res.results.length !== files.length) {
      throw new ApiError({ kind: 'protocol', code: 'BAD_RESPONSE', message: 'the batch answer does not list one result per file', operation });
    }
    return res.results.map((u: unknown) => {
      if (isErrorBody(u)) {
        const status = (ERROR_STATUS as Record<string, number>)[u.error.code] ?? 400;
        return new ApiError({ kind: 'http', status, code: u.error.code, message: u.error.message, operation, details: u.error.details });
      }
      return u as FinalizeResponse;
    });
  }

  /** GET /api/files/:id/download (SPEC v2): a signed GET of the original, 15 minutes. 404 FILE_NOT_FOUND, 403 FILE_INFECTED. */
  downloadUrl(fileId: string, signal?: AbortSignal): Promise<DownloadResponse> {
    return this.json('GET', `/api/files/${encodeURIComponent(fileId)}/download`, undefined, signal);
  }

  /** DELETE /api/files/:id (SPEC v2 soft delete). 404 FILE_NOT_FOUND. */
  deleteFile(fileId: string, signal?: AbortSignal): Promise<DeleteFileResponse> {
    return this.json('DELETE', `/api/files/${encodeURIComponent(fileId)}`, undefined, signal);
  }

  /** GET /api/uploads/stats?since= (SPEC v2). */
  stats(since?: string, signal?: AbortSignal): Promise<UploadStatsResponse> {
    return this.json('GET', `/api/uploads/stats${since ? `?since=${encodeURIComponent(since)}` : ''}`, undefined, signal);
  }

  /** One page of GET /api/orders/:id/files with SPEC v2's filters and cursor. */
  listFilesPage(orderId: string, q: FileListQuery, signal?: AbortSignal): Promise<FileListResponse> {
    const p = new URLSearchParams();
    if (q.status) p.set('status', q.status);
    if (q.room_type) p.set('room_type', q.room_type);
    if (q.limit) p.set('limit', String(q.limit));
    if (q.cursor) p.set('cursor', q.cursor);
    if (q.with_urls) p.set('with_urls', '1');
    const qs = p.toString();
    return this.json('GET', `/api/orders/${encodeURIComponent(orderId)}/files${qs ? `?${qs}` : ''}`, undefined, signal);
  }

  /** Every page of the order's list (follows next_cursor; a pre-v2 server answers in one page). */
  async listAllFiles(orderId: string, q: Omit<FileListQuery, 'cursor'> = {}, signal?: AbortSignal): Promise<FileListResponse> {
    const files: FileListResponse['files'] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const r = await this.listFilesPage(orderId, { ...q, cursor }, signal);
      files.push(...r.files);
      if (!r.next_cursor) break;
      cursor = r.next_cursor;
    }
    return { files, next_cursor: null };
  }

  multipartParts(body: MultipartPartsRequest, signal?: AbortSignal): Promise<MultipartPartsResponse> {
    return this.json('POST', '/api/uploads/multipart/parts', body, signal);
  }

  multipartComplete(body: MultipartCompleteRequest, signal?: AbortSignal): Promise<unknown> {
    return this.json('POST', '/api/uploads/multipart/complete', body, signal);
  }

  multipartAbort(body: MultipartAbortRequest, signal?: AbortSignal): Promise<unknown> {
    return this.json('POST', '/api/uploads/multipart/abort', body, signal);
  }

  /** GET /api/orders/:id/files — finalized files only, every page (SPEC v2 pages of ≤ 1000). */
  listFiles(orderId: string, signal?: AbortSignal): Promise<FileListResponse> {
    return this.listAllFiles(orderId, {}, signal);
  }

  /** GET /api/orders/:id/stacks (SPEC v2) — the order's stacks with frames declared and registered. */
  listStacks(orderId: string, signal?: AbortSignal): Promise<StacksResponse> {
    return this.json('GET', `/api/orders/${encodeURIComponent(orderId)}/stacks`, undefined, signal);
  }

  me(signal?: AbortSignal): Promise<MeResponse> {
    return this.json('GET', '/api/me', undefined, signal);
  }

  orders(signal?: AbortSignal): Promise<OrdersResponse> {
    return this.json('GET', '/api/orders', undefined, signal);
  }

  deviceCode(signal?: AbortSignal): Promise<DeviceCodeResponse> {
    return this.json('POST', '/api/auth/device/code', {}, signal);
  }

  deviceToken(deviceCode: string, signal?: AbortSignal): Promise<DeviceTokenResponse> {
    return this.json('POST', '/api/auth/device/token', { device_code: deviceCode }, signal);
  }

  logout(signal?: AbortSignal): Promise<unknown> {
    return this.json('POST', '/api/auth/logout', {}, signal);
  }

  /**
   * PUTs a byte range of a file to a signed URL, streamed from disk (never held in memory).
   * Sends exactly `headers` (SPEC: "The client sends exactly these headers") plus Content-Length.
   * `onBytes(n)` is called as bytes leave for the socket. Throws ApiError: http (403/410/413/422/5xx),
   * network, stalled (no byte for stallMs), aborted.
   */
  async put(
    url: string,
    headers: Record<string, string>,
    src: PutSource,
    opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {},
  ): Promise<PutResult> {
    const operation = 'PUT signed URL';
    let touch: () => void = () => undefined;
    // The body's own failure (file changed or unreadable) is the real reason, whatever undici makes of it.
    let bodyError: ApiError | undefined;
    const body = readRange(
      src,
      (n) => {
        touch();
        opts.onBytes?.(n);
      },
      (e) => (bodyError = e),
      this.throttle && ((n: number) => this.throttle!(n, opts.signal).then(touch)),
    );
    const ans = await send(
      {
        method: 'PUT',
        url,
        headers: { ...headers, 'content-length': String(src.length) },
        body,
        signal: opts.signal,
        operation,
        stallMs: this.stallMs,
        dispatcher: this.dispatcher,
      },
      (t) => {
        touch = t;
      },
    ).catch((err: unknown) => {
      throw bodyError ?? err;
    });
    if (ans.status < 200 || ans.status >= 300) parseJsonAnswer(ans, operation);
    const etag = ans.headers.etag;
    return { etag: (Array.isArray(etag) ? etag[0] : etag) ?? '' };
  }

  private async json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const operation = `${method} ${path.replace(/\/orders\/[^/]+\//, '/orders/:id/').replace(/\/files\/[^/]+/, '/files/:id').replace(/\?.*$/, '')}`;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const ans = await send({
      method,
      url: this.apiUrl + path,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      operation,
      stallMs: this.stallMs,
      dispatcher: this.dispatcher,
    });
    return parseJsonAnswer<T>(ans, operation);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** errno codes that mean the local file could not be read (deleted, permissions, disk), not the network. */
const FILE_READ_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EIO', 'EISDIR', 'EBADF', 'ENXIO', 'ESTALE', 'ENODEV']);

/**
 * Bytes per read of a PUT body (128 KiB). Every chunk is a fresh buffer (it belongs to the socket until
 * written), so the size decides the allocator's path: 256 KiB chunks cost ~1 CPU-second more per 1.6 GB
 * (fresh pages faulted in and zeroed, then returned) than 128 KiB, and 32 KiB ones cost syscalls.
 * Measured, 200 × 8 MB into the nginx sink, 3 runs each: 32 KiB 6.0–6.5 s, 64 KiB 5.4–5.5 s,
 * 128 KiB 5.0–5.3 s, 256 KiB 5.3–5.7 s wall (CPU 5.0 s at 128 KiB, 5.6–6.4 s at 256 KiB).
 */
export const PUT_CHUNK_BYTES = 128 * 1024;

/** Streams bytes [start, start+length) of a file, reporting each chunk; {@link PUT_CHUNK_BYTES} reads (64 KiB under --bwlimit). */
async function* readRange(
  src: PutSource,
  onBytes: (n: number) => void,
  onError: (e: ApiError) => void,
  throttle?: (n: number) => Promise<void>,
): AsyncIterable<Uint8Array> {
  if (src.length === 0) return;
  const stream = createReadStream(src.path, {
    start: src.start,
    end: src.start + src.length - 1,
    // Smaller reads under a bandwidth limit keep the rate smooth.
    highWaterMark: throttle ? 64 * 1024 : PUT_CHUNK_BYTES,
  });
  let sent = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (throttle) await throttle(chunk.length);
      sent += chunk.length;
      onBytes(chunk.length);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof ApiError) throw err; // e.g. aborted while waiting for bandwidth
    // Only the file's own read errors are file problems. The HTTP side also ends the body with its error
    // (a reset connection reaches this generator as ECONNRESET at the `yield`): that one stays a
    // network error, retried with backoff (SPEC "Errors").
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!FILE_READ_ERRORS.has(code)) throw err;
    const e = new ApiError({ kind: 'file', code, message: `the file could not be read (${code})`, operation: 'PUT signed URL', cause: err });
    onError(e);
    throw e;
  }
  if (sent !== src.length) {
    // The file shrank under us: never send a torn object (SPEC: a changed file is uploaded again).
    const e = new ApiError({
      kind: 'protocol',
      code: 'FILE_CHANGED',
      message: `the file changed while it was being sent (${sent} of ${src.length} bytes read)`,
      operation: 'PUT signed URL',
    });
    onError(e);
    throw e;
  }
}
