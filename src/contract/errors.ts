/**
 * API error codes and their HTTP statuses (SPEC "API", error table).
 * Every error body is `{"error": {"code", "message", "details"?}}`.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  ORDER_FORBIDDEN: 403,
  KEY_FORBIDDEN: 403,
  BAD_SIGNATURE: 403,
  /** A cookie-authenticated write whose Origin is missing or not the page's own (CSRF; SPEC "The web uploader"). */
  ORIGIN_FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** SPEC v2: a file that does not exist, is deleted, or belongs to someone else (not told apart). */
  FILE_NOT_FOUND: 404,
  /** SPEC v2: an infected file is quarantined, never downloadable. */
  FILE_INFECTED: 403,
  /** Issue 16: a configured scanner has not passed the file yet (uploaded, processing, or SCAN_UNAVAILABLE). */
  SCAN_PENDING: 409,
  /** SPEC v2 quotas: the intent would pass the user's storage quota; details {bytes_used, bytes_limit, bytes_needed}. */
  QUOTA_EXCEEDED: 413,
  /** SPEC v2 "Previews": the file is still uploaded/processing. */
  PREVIEW_NOT_READY: 404,
  /** SPEC v2 "Previews": the file has no preview (of that size): video, no usable image, failed. */
  NO_PREVIEW: 404,
  OBJECT_MISSING: 409,
  URL_EXPIRED: 410,
  FILE_TOO_LARGE: 413,
  /** SPEC v2 "Hardening": a JSON body over 1 MiB, refused before it is read in full. */
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CHECKSUM_MISMATCH: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** The object store (S3-compatible endpoint) failed or refused a server-side request; retryable. */
  STORAGE_ERROR: 502,
  /** The local server only: still migrating and seeding after 30 s (server/startup-gate.ts); retryable. */
  SERVER_STARTING: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: {
    code: ErrorCode | string;
    message: string;
    details?: Record<string, unknown>;
  };
}

export function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}
