/**
 * The API's one error shape (SPEC "API"): `{"error": {"code", "message", "details"?}}` with the HTTP
 * status of `ERROR_STATUS[code]` (src/contract/errors.ts).
 *
 * Route code throws `HttpError`; `app.onError` turns it into the response (`errorResponse`). Anything
 * else thrown becomes 500 INTERNAL without leaking the message. The CLI's counterpart is `ApiError`
 * (src/api/errors.ts): the same codes (src/contract/errors.ts) seen from the other side, with the transport
 * failures (network, stall, protocol) a client meets besides.
 */
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '../../contract/errors.js';

/** An error the Worker answers with: `code` from SPEC's table, `status` = ERROR_STATUS[code]. */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers, e.g. `Retry-After` for RATE_LIMITED. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = ERROR_STATUS[code];
  }
}

/** 400 VALIDATION_FAILED naming the field (SPEC: "details name the field"). */
export function invalid(field: string, message: string): HttpError {
  return new HttpError('VALIDATION_FAILED', message, { field });
}

/** 403 ORDER_FORBIDDEN for an order that is not the caller's or does not exist (SPEC: the two are not told apart). */
export function orderForbidden(orderId: string): HttpError {
  return new HttpError('ORDER_FORBIDDEN', `order ${orderId} is not yours (or does not exist)`, { order_id: orderId });
}

/** The error body `{"error": {code, message, details?}}` of `err` (also a batch item, routes/intents-batch.ts). */
export function errorBody(err: HttpError): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details) body.error.details = err.details;
  return body;
}

/** JSON error response for `err`; status from ERROR_STATUS. */
export function errorResponse(err: HttpError): Response {
  return new Response(JSON.stringify(errorBody(err)), {
    status: err.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...err.headers },
  });
}

/** Maps any thrown value to a response: HttpError as is, everything else 500 INTERNAL (logged). */
export function toErrorResponse(err: unknown): Response {
  if (err instanceof HttpError) return errorResponse(err);
  console.error('piximmo: unhandled error', err);
  return errorResponse(new HttpError('INTERNAL', 'internal error'));
}
