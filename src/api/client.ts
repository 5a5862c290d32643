/**
 * Typed client of the piximmo API (SPEC "API"). One instance per process; every call goes through
 * one keep-alive undici Agent. Every answer is checked against its schema (contract/responses.ts) before
 * it is returned: a 200 that is not the contract throws ApiError BAD_RESPONSE naming the field (expect.ts).
 * Calls throw ApiError (see errors.ts); they never retry by themselves — the engine decides (core/transfer).
 * PUT bodies: put-body.ts; batch answers: batch-answer.ts.
 */
import type { Dispatcher } from './undici-core.js';
import * as v from 'valibot';
import type {
  ClosingCheckEntry,
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
import * as R from '../contract/responses.js';
import type { ApiError } from './errors.js';
import { batchItems } from './batch-answer.js';
import { expectBody } from './expect.js';
import { createAgent, DEFAULT_STALL_MS, parseJsonAnswer, send } from './http.js';
import { ChunkLease, readRange, readWholeRange, WHOLE_BODY_BYTES, type PutSource } from './put-body.js';
import { proxyConfigured, WarmSockets } from './warm-sockets.js';

export type { PutSource } from './put-body.js';

/** A finalize batch's answer: one answer or ApiError per item, in order, and the closing check when asked for and sent (issue 15). */
export type FinalizeBatchItems = (FinalizeResponse | ApiError)[] & { closing_check?: ClosingCheckEntry[] };

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

export interface PutResult {
  /** ETag of the stored object or part, quotes kept as the server sent them. */
  etag: string;
}

type Method = 'GET' | 'POST' | 'DELETE';

export class PiximmoApi {
  readonly apiUrl: string;
  readonly dispatcher: Dispatcher;
  private readonly token?: string;
  private readonly stallMs: number;
  private readonly userAgent: string;
  private readonly throttle?: ApiClientOptions['throttle'];
  /** Upload connections opened ahead (only with the client's own agent and no proxy variable). */
  private readonly warmSockets?: WarmSockets;

  constructor(opts: ApiClientOptions) {
    this.apiUrl = opts.apiUrl.replace(/\/+$/, '');
    this.token = opts.token;
    if (!opts.dispatcher && !proxyConfigured()) this.warmSockets = new WarmSockets();
    this.dispatcher = opts.dispatcher ?? createAgent(this.warmSockets?.connect);
    this.stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
    this.userAgent = opts.userAgent ?? 'piximmo-cli';
    this.throttle = opts.throttle;
  }

  /** POST /api/uploads/intent. Throws ApiError (400, 401, 403 ORDER_FORBIDDEN, 413, 415, 429 with retryAfterMs). */
  async intent(body: IntentRequest, signal?: AbortSignal): Promise<IntentResponse> {
    const { answer, operation } = await this.call('POST', '/api/uploads/intent', body, signal);
    return expectBody(R.intentSchemaOf(answer), answer, operation);
  }

  /**
   * POST /api/uploads/intents (issue 5, seed 002's prepare-upload): intents for up to 50 files of one order
   * in one request, counted once by the rate limit. Resolves to one response or one ApiError per file, in
   * order. Throws ApiError for the whole request (401, 403 ORDER_FORBIDDEN, 429, 404 on servers without it).
   */
  async intentBatch(orderId: string, files: Omit<IntentRequest, 'order_id'>[], signal?: AbortSignal): Promise<(IntentResponse | ApiError)[]> {
    const { answer, operation } = await this.call('POST', '/api/uploads/intents', { order_id: orderId, files }, signal);
    const { uploads } = expectBody(R.BatchIntentListSchema, answer, operation);
    return batchItems(uploads, files.length, 'uploads', R.intentSchemaOf, operation);
  }

  /** POST /api/uploads/finalize. Throws ApiError (403 KEY_FORBIDDEN, 409 OBJECT_MISSING, 422). Idempotent per key. */
  finalize(body: FinalizeRequest, signal?: AbortSignal): Promise<FinalizeResponse> {
    return this.json('POST', '/api/uploads/finalize', body, R.FinalizeResponseSchema, signal);
  }

  /**
   * POST /api/uploads/finalize-batch (SPEC v2, seed 002's confirm-upload): up to 50 finalizes in one request.
   * Resolves to one answer or one ApiError per item, in order. Throws ApiError for the whole request
   * (401, 400, 404/405 on servers without the route, network).
   * `closing` (issue 15, ≤ MAX_CLOSING_ORDERS order ids): the answer's `closing_check` — each order's file ids
   * and stacks, read after these files were written — is on the result; left out when the server sent none
   * (an older server) or one that is not the contract (the closing check then asks the usual routes).
   */
  async finalizeBatch(files: FinalizeBatchRequest['files'], signal?: AbortSignal, closing?: readonly string[]): Promise<FinalizeBatchItems> {
    const body = closing?.length ? { files, closing_check: [...closing] } : { files };
    const { answer, operation } = await this.call('POST', '/api/uploads/finalize-batch', body, signal);
    const { results, closing_check } = expectBody(R.FinalizeBatchListSchema, answer, operation);
    const items: FinalizeBatchItems = batchItems(results, files.length, 'results', () => R.FinalizeResponseSchema, operation);
    if (closing?.length && closing_check !== undefined) {
      const parsed = v.safeParse(R.ClosingCheckSchema, closing_check);
      if (parsed.success) items.closing_check = parsed.output;
    }
    return items;
  }

  /** GET /api/files/:id/download (SPEC v2): a signed GET of the original, 15 minutes. 404 FILE_NOT_FOUND, 403 FILE_INFECTED. */
  downloadUrl(fileId: string, signal?: AbortSignal): Promise<DownloadResponse> {
    return this.json('GET', `/api/files/${encodeURIComponent(fileId)}/download`, undefined, R.DownloadResponseSchema, signal);
  }

  /** DELETE /api/files/:id (SPEC v2 soft delete). 404 FILE_NOT_FOUND. */
  deleteFile(fileId: string, signal?: AbortSignal): Promise<DeleteFileResponse> {
    return this.json('DELETE', `/api/files/${encodeURIComponent(fileId)}`, undefined, R.DeleteFileResponseSchema, signal);
  }

  /** GET /api/uploads/stats?since= (SPEC v2). */
  stats(since?: string, signal?: AbortSignal): Promise<UploadStatsResponse> {
    return this.json('GET', `/api/uploads/stats${since ? `?since=${encodeURIComponent(since)}` : ''}`, undefined, R.UploadStatsResponseSchema, signal);
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
    return this.json('GET', `/api/orders/${encodeURIComponent(orderId)}/files${qs ? `?${qs}` : ''}`, undefined, R.FileListResponseSchema, signal);
  }

  /**
   * One page of the order's file ids (`fields=file_id`, issue 15: the closing check needs only ids, and a
   * whole record is ~650 bytes). A server without `fields` answers whole records; only the ids are read.
   */
  listFileIdsPage(orderId: string, cursor?: string, signal?: AbortSignal): Promise<{ files: { file_id: string }[]; next_cursor?: string | null }> {
    const p = new URLSearchParams({ fields: 'file_id' });
    if (cursor) p.set('cursor', cursor);
    return this.json('GET', `/api/orders/${encodeURIComponent(orderId)}/files?${p}`, undefined, R.FileIdsPageSchema, signal);
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
    return this.json('POST', '/api/uploads/multipart/parts', body, R.MultipartPartsResponseSchema, signal);
  }

  /** Checked against MultipartCompleteResponse; typed `unknown` as the engine reads nothing of it (test stubs return anything). */
  multipartComplete(body: MultipartCompleteRequest, signal?: AbortSignal): Promise<unknown> {
    return this.json('POST', '/api/uploads/multipart/complete', body, R.MultipartCompleteResponseSchema, signal);
  }

  multipartAbort(body: MultipartAbortRequest, signal?: AbortSignal): Promise<unknown> {
    return this.json('POST', '/api/uploads/multipart/abort', body, R.IgnoredResponseSchema, signal);
  }

  /** GET /api/orders/:id/files — finalized files only, every page (SPEC v2 pages of ≤ 1000). */
  listFiles(orderId: string, signal?: AbortSignal): Promise<FileListResponse> {
    return this.listAllFiles(orderId, {}, signal);
  }

  /** GET /api/orders/:id/stacks (SPEC v2) — the order's stacks with frames declared and registered. */
  listStacks(orderId: string, signal?: AbortSignal): Promise<StacksResponse> {
    return this.json('GET', `/api/orders/${encodeURIComponent(orderId)}/stacks`, undefined, R.StacksResponseSchema, signal);
  }

  me(signal?: AbortSignal): Promise<MeResponse> {
    return this.json('GET', '/api/me', undefined, R.MeResponseSchema, signal);
  }

  orders(signal?: AbortSignal): Promise<OrdersResponse> {
    return this.json('GET', '/api/orders', undefined, R.OrdersResponseSchema, signal);
  }

  deviceCode(signal?: AbortSignal): Promise<DeviceCodeResponse> {
    return this.json('POST', '/api/auth/device/code', {}, R.DeviceCodeResponseSchema, signal);
  }

  deviceToken(deviceCode: string, signal?: AbortSignal): Promise<DeviceTokenResponse> {
    return this.json('POST', '/api/auth/device/token', { device_code: deviceCode }, R.DeviceTokenResponseSchema, signal);
  }

  logout(signal?: AbortSignal): Promise<unknown> {
    return this.json('POST', '/api/auth/logout', {}, R.IgnoredResponseSchema, signal);
  }

  /**
   * PUTs a byte range of a file to a signed URL, streamed from disk (never held in memory; a range of at
   * most put-body.ts WHOLE_BODY_BYTES, 256 KiB, is read whole into a pooled buffer and sent from it).
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
    const lease = new ChunkLease();
    let body: Buffer | AsyncIterable<Uint8Array>;
    if (!this.throttle && src.length > 0 && src.length <= WHOLE_BODY_BYTES) {
      // A small file in one buffer (put-body.ts WHOLE_BODY_BYTES); its bytes count as sent once read.
      body = await readWholeRange(src, lease);
      opts.onBytes?.(src.length);
    } else {
      body = readRange(
        src,
        (n) => {
          touch();
          opts.onBytes?.(n);
        },
        (e) => (bodyError = e),
        this.throttle && ((n: number) => this.throttle!(n, opts.signal).then(touch)),
        lease,
      );
    }
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
      lease.settle(false);
      throw bodyError ?? err;
    });
    lease.settle(ans.status >= 200 && ans.status < 300);
    if (ans.status < 200 || ans.status >= 300) parseJsonAnswer(ans, operation);
    const etag = ans.headers.etag;
    return { etag: (Array.isArray(etag) ? etag[0] : etag) ?? '' };
  }

  /** One call whose answer must match `schema`; throws ApiError (http, network, BAD_RESPONSE naming the field). */
  private async json<S extends v.GenericSchema>(method: Method, path: string, body: unknown, schema: S, signal?: AbortSignal): Promise<v.InferOutput<S>> {
    const { answer, operation } = await this.call(method, path, body, signal);
    return expectBody(schema, answer, operation);
  }

  /** Sends one call; resolves to its parsed JSON answer (not yet checked) and the operation's name for messages. */
  private async call(method: Method, path: string, body: unknown, signal?: AbortSignal): Promise<{ answer: unknown; operation: string }> {
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
    return { answer: parseJsonAnswer<unknown>(ans, operation), operation };
  }

  /**
   * Opens `connections` connections to the storage origin (GET /api/me `storage_origin`) for the PUTs about
   * to start, while the run still asks for its intents (issue 15, far link: one round trip less before the
   * first byte). A hint: does nothing with an injected dispatcher, behind a proxy, or for a bad origin.
   */
  warmUploads(storageOrigin: string, connections: number): void {
    this.warmSockets?.warm(storageOrigin, connections);
  }

  async close(): Promise<void> {
    this.warmSockets?.close();
    await this.dispatcher.close();
  }
}
