/**
 * The one HTTP layer of the CLI: undici with one keep-alive pool per origin, error mapping to ApiError,
 * and a stall watchdog for uploads (SPEC: "a stalled transfer (no bytes for 30 s) counts as a network error").
 * Proxies (issue 14): HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and their lower-case forms) are honoured through
 * undici's EnvHttpProxyAgent; extra CA certificates come from Node's NODE_EXTRA_CA_CERTS.
 */
import type { Readable } from 'node:stream';
import type { buildConnector } from 'undici';
import { EnvHttpProxyAgent, request, type Dispatcher } from './undici-core.js';
import { ApiError, hostOf, parseRetryAfter } from './errors.js';
import { isErrorBody } from '../contract/errors.js';
import { logRequest } from './request-log.js';

type Connector = buildConnector.connector;

/** SPEC "Errors": no byte moved for this long → network error. */
export const DEFAULT_STALL_MS = 30_000;

/**
 * A keep-alive dispatcher shared by every call of one process (one pool per origin), sent through the
 * proxy the environment names: `https:` URLs through HTTPS_PROXY (a CONNECT tunnel), `http:` URLs through
 * HTTP_PROXY (plain forward requests, as curl does — many proxies refuse CONNECT to ports other than 443),
 * hosts in NO_PROXY (`host`, `.domain`, `host:port`, `*`) directly. No proxy variable set: direct, as before.
 * `connect`: the direct connections' connector (default undici's own; api/warm-sockets.ts hands out warm sockets).
 */
export function createAgent(connect?: Connector): Dispatcher {
  return new EnvHttpProxyAgent({
    // Direct connections only: the proxy agents connect through their own tunnel (api/warm-sockets.ts).
    ...(connect ? { connect } : {}),
    proxyTunnel: false,
    keepAliveTimeout: 30_000,
    connections: 16,
    // The stall watchdog below decides about slow uploads; these only catch servers gone silent.
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | AsyncIterable<Uint8Array>;
  signal?: AbortSignal;
  /** Name of the call for messages, e.g. "POST /api/uploads/intent". */
  operation: string;
  /** Abort when no byte moved (sent or received) for this many ms; 0 = off. */
  stallMs?: number;
  /** The keep-alive pool to send through (see createAgent). */
  dispatcher: Dispatcher;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends one request and reads the whole (small, JSON) answer.
 * Throws ApiError of kind network/stalled/aborted when there is no answer; HTTP statuses are returned, not thrown.
 * `touch` (returned through `onProgress`) lets a streaming body reset the stall watchdog.
 */
export async function send(call: HttpCall, onProgressHook?: (touch: () => void) => void): Promise<HttpAnswer> {
  const ctrl = new AbortController();
  const outer = call.signal;
  const onOuterAbort = (): void => ctrl.abort(outer?.reason);
  if (outer) {
    if (outer.aborted) ctrl.abort(outer.reason);
    else outer.addEventListener('abort', onOuterAbort, { once: true });
  }
  let stalled = false;
  let last = Date.now();
  const touch = (): void => {
    last = Date.now();
  };
  onProgressHook?.(touch);
  const stallMs = call.stallMs ?? 0;
  const startedAt = Date.now();
  const watchdog =
    stallMs > 0
      ? setInterval(() => {
          if (Date.now() - last >= stallMs) {
            stalled = true;
            ctrl.abort(new Error('stalled'));
          }
        }, Math.min(1000, stallMs)).unref()
      : undefined;
  try {
    const res = await request(call.url, {
      method: call.method,
      headers: call.headers,
      // An iterable body goes to undici as it is (its types name only Readable; the runtime and its docs take
      // any AsyncIterable): its writer asks for the next chunk only when the socket took the last one, and
      // put-body.ts reuses its buffers on that promise. A Readable between them would read ahead.
      body: call.body as string | Readable | undefined,
      signal: ctrl.signal,
      dispatcher: call.dispatcher,
    });
    touch();
    const text = await res.body.text();
    logRequest(call.method, call.url, res.statusCode, startedAt);
    return { status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    logRequest(call.method, call.url, stalled ? 'STALLED' : ((err as { cause?: { code?: string }; code?: string }).cause?.code ?? (err as { code?: string }).code ?? 'ERROR'), startedAt);
    if (stalled) {
      throw new ApiError({
        kind: 'stalled',
        code: 'STALLED',
        message: `no data moved for ${Math.round(stallMs / 1000)} s`,
        operation: call.operation,
        cause: err,
      });
    }
    if (outer?.aborted) {
      throw new ApiError({ kind: 'aborted', code: 'ABORTED', message: 'interrupted', operation: call.operation, cause: err });
    }
    if (err instanceof ApiError) throw err;
    const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
    const code = e.cause?.code ?? e.code ?? 'NETWORK';
    throw new ApiError({
      kind: 'network',
      code,
      message: describeNetworkError(code, e.cause?.message ?? e.message ?? String(err)),
      operation: call.operation,
      host: hostOf(call.url),
      cause: err,
    });
  } finally {
    if (watchdog) clearInterval(watchdog);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

function describeNetworkError(code: string, raw: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'the server refused the connection (is it running, is the API URL right?)';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'the connection was cut';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the server name could not be resolved (no network, or a wrong API URL)';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'the server stopped answering';
    default:
      return raw;
  }
}

/**
 * Turns an answer into the parsed JSON body, or throws ApiError:
 * kind 'http' for error statuses (code from the error body, else HTTP_<status>),
 * kind 'protocol' for a 2xx that is not JSON (HTML from a captive portal, truncated JSON).
 */
export function parseJsonAnswer<T>(ans: HttpAnswer, operation: string): T {
  let body: unknown;
  let parsed = false;
  if (ans.text.length > 0) {
    try {
      body = JSON.parse(ans.text);
      parsed = true;
    } catch {
      parsed = false;
    }
  }
  if (ans.status >= 200 && ans.status < 300) {
    if (ans.status === 204) return undefined as T;
    if (!parsed || typeof body !== 'object' || body === null) {
      throw new ApiError({
        kind: 'protocol',
        status: ans.status,
        code: 'BAD_RESPONSE',
        message: `the server answered something that is not piximmo JSON (${snippet(ans.text)})`,
        operation,
      });
    }
    return body as T;
  }
  const retryAfterMs = parseRetryAfter(ans.headers['retry-after']);
  if (parsed && isErrorBody(body)) {
    return throwHttp(ans.status, body.error.code, body.error.message, operation, body.error.details, retryAfterMs);
  }
  return throwHttp(ans.status, `HTTP_${ans.status}`, `HTTP ${ans.status} (${snippet(ans.text)})`, operation, undefined, retryAfterMs);
}

function throwHttp(
  status: number,
  code: string,
  message: string,
  operation: string,
  details: Record<string, unknown> | undefined,
  retryAfterMs: number | undefined,
): never {
  throw new ApiError({ kind: 'http', status, code, message, operation, details, retryAfterMs });
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return 'empty body';
  return t.length > 60 ? `${t.slice(0, 60)}…` : t;
}
