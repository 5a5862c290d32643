/**
 * Typed failures of calls to the piximmo API and to signed URLs.
 * The upload's recovery (src/core/transfer/recovery.ts) decides what to do by `kind` and `status`, never by
 * parsing messages (SPEC "Errors"); this file only describes what went wrong.
 */

/** What went wrong, as the engine acts on it. */
export type FailureKind =
  /** HTTP error answer with a JSON error body (or at least a status). */
  | 'http'
  /** No answer: connection refused/reset, DNS, TLS, socket closed mid-body. */
  | 'network'
  /** No byte moved for the stall timeout (SPEC: 30 s). */
  | 'stalled'
  /** The server answered something that is not the contract (HTML, truncated JSON, wrong shape). */
  | 'protocol'
  /** The caller aborted (Ctrl-C). */
  | 'aborted'
  /** The local file could not be read while sending it (deleted, permissions, I/O error); code = errno. */
  | 'file';

export class ApiError extends Error {
  readonly kind: FailureKind;
  /** HTTP status, 0 when there was no answer. */
  readonly status: number;
  /** The `error.code` of the body (SPEC error table), or a transport code like ECONNRESET. */
  readonly code: string;
  readonly details?: Record<string, unknown>;
  /** From `Retry-After` (SPEC 429), in ms. */
  readonly retryAfterMs?: number;
  /** Which call failed, e.g. "POST /api/uploads/intent" or "PUT signed URL". */
  readonly operation: string;
  /** For transport errors: the `host:port` the request went to (the API or the storage), never a path or query. */
  readonly host?: string;

  constructor(init: {
    kind: FailureKind;
    status?: number;
    code: string;
    message: string;
    operation: string;
    details?: Record<string, unknown>;
    retryAfterMs?: number;
    host?: string;
    cause?: unknown;
  }) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'ApiError';
    this.kind = init.kind;
    this.status = init.status ?? 0;
    this.code = init.code;
    this.operation = init.operation;
    this.details = init.details;
    this.retryAfterMs = init.retryAfterMs;
    this.host = init.host;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** Parses a `Retry-After` header (seconds or HTTP date) into ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  // Capped: a broken header must not park the upload for days (waits longer than this are retried later).
  const cap = 300_000;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.min(cap, Math.max(0, secs * 1000));
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.min(cap, Math.max(0, at - now)) : undefined;
}

/** `host:port` of a request URL, for messages (a signed URL's path and query carry its signature: left out). */
export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
