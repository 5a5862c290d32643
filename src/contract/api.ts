/**
 * Wire contract between the piximmo CLI and the piximmo API (SPEC "API"). Request types are inferred from
 * the valibot schemas of requests.ts (the server parses with the same schemas).
 * Shared by the client (src/api) and the server (src/server): change it in one place.
 * All sizes are in bytes, all times ISO 8601 strings unless named *_ms / *_seconds.
 */
import type { InferOutput } from 'valibot';
import type { ErrorBody } from './errors.js';
import type {
  BatchIntentFileSchema,
  BatchIntentRequestSchema,
  FileListQuerySchema,
  FinalizeBatchRequestSchema,
  FinalizeRequestSchema,
  IntentRequestSchema,
  MultipartAbortRequestSchema,
  MultipartCompleteRequestSchema,
  MultipartPartsRequestSchema,
} from './requests.js';
import type * as R from './responses.js';

/** Request limits live in limits.ts (valibot-free, for the CLI's start-up); re-exported for existing importers. */
export { MAX_BATCH_FINALIZE, MAX_BATCH_INTENTS } from './limits.js';

/** POST /api/uploads/intent request body, as the server parses it (schema: requests.ts IntentRequestSchema). */
export type IntentRequest = InferOutput<typeof IntentRequestSchema>;

// Answer bodies: inferred from their schemas in responses.ts (the client checks every answer against them).

/** Intent answer for a single PUT (bytes <= multipart threshold, SPEC: 100 MB). */
export type SingleIntentResponse = InferOutput<typeof R.SingleIntentResponseSchema>;
/** One part URL of a multipart upload. */
export type PartUrl = InferOutput<typeof R.PartUrlSchema>;
/** Intent answer for a multipart upload (bytes > multipart threshold). */
export type MultipartIntentResponse = InferOutput<typeof R.MultipartIntentResponseSchema>;
/** Intent answer when the order already holds a finalized file with the same checksum. */
export type ExistingIntentResponse = InferOutput<typeof R.ExistingIntentResponseSchema>;

export type IntentResponse = SingleIntentResponse | MultipartIntentResponse | ExistingIntentResponse;

export function isExistingIntent(r: IntentResponse): r is ExistingIntentResponse {
  return 'existing_file_id' in r;
}
export function isMultipartIntent(r: IntentResponse): r is MultipartIntentResponse {
  return 'multipart' in r;
}


/** One file of a batch: a single-intent body whose order_id is left out or equals the batch's. */
export type BatchIntentFile = InferOutput<typeof BatchIntentFileSchema>;

/**
 * POST /api/uploads/intents request body (batch prepare-upload, seeds/002): 1…MAX_BATCH_INTENTS files of
 * one order. Counts as one request for the intent rate limit.
 */
export type BatchIntentRequest = InferOutput<typeof BatchIntentRequestSchema>;

/**
 * One answer per file, in request order: what POST /api/uploads/intent would have answered with 200
 * (single, multipart or existing_file_id), or that route's error body for this file (400 naming the
 * field, 413, 415, 502 …; the HTTP status of the batch is still 200).
 */
export type BatchIntentItem = IntentResponse | ErrorBody;

/** POST /api/uploads/intents response body (200). */
export type BatchIntentResponse = InferOutput<typeof R.BatchIntentResponseSchema>;

/** EXIF values sent at finalize and listed back (SPEC "Per file"). All optional. */
export interface ExifMeta {
  make?: string;
  model?: string;
  serial?: string;
  /** Focal length in mm. */
  focal?: number;
  iso?: number;
  /** Exposure time as a photographer writes it: "1/120", "4", "0.5". */
  shutter?: string;
  /** Exposure time in seconds. */
  exposure_time?: number;
  /** f-number, e.g. 2.8. */
  aperture?: number;
  /** Capture time, ISO 8601 without zone when the camera gave none ("2019-10-26T16:07:24"). */
  captured_at?: string;
  /** Milliseconds within captured_at's second (0–999), from SubSecTimeOriginal where the camera wrote it. */
  captured_subsec_ms?: number;
  /** Exposure compensation in EV. */
  ev?: number;
}

/** POST /api/uploads/finalize request body (schema: requests.ts FinalizeRequestSchema). */
export type FinalizeRequest = InferOutput<typeof FinalizeRequestSchema>;

export type FinalizeResponse = InferOutput<typeof R.FinalizeResponseSchema>;

/** POST /api/uploads/multipart/parts */
export type MultipartPartsRequest = InferOutput<typeof MultipartPartsRequestSchema>;
export type MultipartPartsResponse = InferOutput<typeof R.MultipartPartsResponseSchema>;

/** POST /api/uploads/multipart/complete */
export type MultipartCompleteRequest = InferOutput<typeof MultipartCompleteRequestSchema>;

/** POST /api/uploads/multipart/complete (200): the completed object, `{object_key, bytes, etag}`. */
export type MultipartCompleteResponse = InferOutput<typeof R.MultipartCompleteResponseSchema>;

/** POST /api/uploads/multipart/abort */
export type MultipartAbortRequest = InferOutput<typeof MultipartAbortRequestSchema>;

/** SPEC v2 file lifecycle. */
export type FileStatus = InferOutput<typeof R.FileStatusSchema>;

/** One finalized file, as GET /api/orders/:id/files lists it (fields documented in responses.ts). */
export type FileRecord = InferOutput<typeof R.FileRecordSchema>;

/** SPEC v2 "File lifecycle" states. */
export type FileStatusName = FileStatus;

/** SPEC v2 "Previews": the preview sizes (longest side 200, 400, 800, ≤ 1200 px). */
export type PreviewSizeName = InferOutput<typeof R.PreviewSizeSchema>;

/** GET /api/files/:file_id/preview?size= (SPEC v2 "Previews"). */
export type PreviewResponse = InferOutput<typeof R.PreviewResponseSchema>;

/** GET /api/orders/:id/files: one page; `next_cursor` null on the last page (absent from pre-v2 servers). */
export type FileListResponse = InferOutput<typeof R.FileListResponseSchema>;

/** SPEC v2: GET /api/orders/:id/files query, typed (the wire carries strings; schema: requests.ts FileListQuerySchema). */
export type FileListQuery = InferOutput<typeof FileListQuerySchema>;

/** SPEC v2 quotas: bytes. */
export type QuotaFigures = InferOutput<typeof R.QuotaFiguresSchema>;

/** One stack of an order (SPEC v2 GET /api/orders/:id/stacks; fields documented in responses.ts). */
export type StackRecord = InferOutput<typeof R.StackRecordSchema>;

export type StacksResponse = InferOutput<typeof R.StacksResponseSchema>;

/** GET /api/me: user_id, name?, quota? (SPEC v2), malware_scan? (issue 16). */
export type MeResponse = InferOutput<typeof R.MeResponseSchema>;

/** POST /api/uploads/finalize-batch request body (seed 002's confirm-upload). */
export type FinalizeBatchRequest = InferOutput<typeof FinalizeBatchRequestSchema>;

/** One answer per item, in order: what the single finalize answers, or its error body. */
export type FinalizeBatchItem = FinalizeResponse | ErrorBody;

export type FinalizeBatchResponse = InferOutput<typeof R.FinalizeBatchResponseSchema>;
/** One order's closing check in a finalize batch's answer (issue 15; responses.ts ClosingCheckOrderSchema). */
export type ClosingCheckOrder = InferOutput<typeof R.ClosingCheckOrderSchema>;
/** One entry of a finalize batch's `closing_check`: the order's ids and stacks, or its error. */
export type ClosingCheckEntry = InferOutput<typeof R.ClosingCheckEntrySchema>;

/**
 * GET /api/files/:file_id/download (SPEC v2): a signed GET of the original, 15 minutes, with
 * `Content-Disposition: attachment; filename="<original>"`. `filename`, `bytes` and `checksum` are
 * piximmo's additions so a client can name and verify the download.
 */
export type DownloadResponse = InferOutput<typeof R.DownloadResponseSchema>;

/** DELETE /api/files/:file_id (SPEC v2 soft delete). */
export type DeleteFileResponse = InferOutput<typeof R.DeleteFileResponseSchema>;

/** GET /api/uploads/stats?since= (SPEC v2 statistics), over the caller's intents issued since `since`. */
export type UploadStatsResponse = InferOutput<typeof R.UploadStatsResponseSchema>;

export type OrderSummary = InferOutput<typeof R.OrderSummarySchema>;

export type OrdersResponse = InferOutput<typeof R.OrdersResponseSchema>;

/** POST /api/auth/device/code response (RFC 8628). */
export type DeviceCodeResponse = InferOutput<typeof R.DeviceCodeResponseSchema>;

export type DeviceTokenResponse = InferOutput<typeof R.DeviceTokenResponseSchema>;
