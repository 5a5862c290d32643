/**
 * Wire contract between the piximmo CLI and the piximmo API (SPEC "API").
 * Shared by the client (src/api) and the server (src/server): change it in one place.
 * All sizes are in bytes, all times ISO 8601 strings unless named *_ms / *_seconds.
 */
import type { ErrorBody } from './errors.js';

/** POST /api/uploads/intent request body. */
export interface IntentRequest {
  filename: string;
  mime: string;
  order_id: string;
  /** Slugged by the server to [a-z0-9-]; default "unsorted". */
  room_type?: string;
  /** Slugged by the server to [a-z0-9-]; default "s000". */
  stack_id?: string;
  /** Size of the file in bytes; required. */
  bytes: number;
  /** SHA-256 of the file, lower-case hex; optional but always sent by the CLI. */
  checksum?: string;
  /**
   * SPEC v2 "Stack identity": opaque key of the client's stack (≤ 128 chars), the same for the same stack on
   * every run and machine, different for different stacks. With it the server allocates `stack_id`.
   */
  stack_key?: string;
  /** SPEC v2: how many frames the client's stack has (integer ≥ 1). */
  stack_frames?: number;
  /** SPEC v2: the room folder's name as the photographer wrote it (≤ 100 chars), e.g. "Schlafzimmer 2". */
  room_label?: string;
}

/** Intent answer for a single PUT (bytes <= multipart threshold, SPEC: 100 MB). */
export interface SingleIntentResponse {
  signed_url: string;
  object_key: string;
  /** Headers the client must send with the PUT, exactly these. */
  headers: Record<string, string>;
  expires_at: string;
  /** SPEC v2: the stack_id the server allocated (existing: the stored file's); the object key uses it. */
  stack_id?: string;
}

/** One part URL of a multipart upload. */
export interface PartUrl {
  part_number: number;
  url: string;
}

/** Intent answer for a multipart upload (bytes > multipart threshold). */
export interface MultipartIntentResponse {
  object_key: string;
  multipart: {
    upload_id: string;
    /** Bytes per part (>= 5 MiB), all parts equal but the last. */
    part_size: number;
    parts: PartUrl[];
  };
  expires_at: string;
  /** SPEC v2: the stack_id the server allocated (existing: the stored file's); the object key uses it. */
  stack_id?: string;
}

/** Intent answer when the order already holds a finalized file with the same checksum. */
export interface ExistingIntentResponse {
  existing_file_id: string;
  object_key: string;
  /** SPEC v2: the stack_id the server allocated (existing: the stored file's); the object key uses it. */
  stack_id?: string;
}

export type IntentResponse = SingleIntentResponse | MultipartIntentResponse | ExistingIntentResponse;

export function isExistingIntent(r: IntentResponse): r is ExistingIntentResponse {
  return 'existing_file_id' in r;
}
export function isMultipartIntent(r: IntentResponse): r is MultipartIntentResponse {
  return 'multipart' in r;
}

/** Most files one POST /api/uploads/intents may carry. */
export const MAX_BATCH_INTENTS = 50;

/** One file of a batch: a single-intent body whose order_id is left out or equals the batch's. */
export type BatchIntentFile = Omit<IntentRequest, 'order_id'> & { order_id?: string };

/**
 * POST /api/uploads/intents request body (batch prepare-upload, seeds/002): 1…MAX_BATCH_INTENTS files of
 * one order. Counts as one request for the intent rate limit.
 */
export interface BatchIntentRequest {
  order_id: string;
  files: BatchIntentFile[];
}

/**
 * One answer per file, in request order: what POST /api/uploads/intent would have answered with 200
 * (single, multipart or existing_file_id), or that route's error body for this file (400 naming the
 * field, 413, 415, 502 …; the HTTP status of the batch is still 200).
 */
export type BatchIntentItem = IntentResponse | ErrorBody;

/** POST /api/uploads/intents response body (200). */
export interface BatchIntentResponse {
  uploads: BatchIntentItem[];
}

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

/** POST /api/uploads/finalize request body. */
export interface FinalizeRequest {
  object_key: string;
  bytes: number;
  checksum: string;
  exif_meta?: ExifMeta;
  /** SPEC v2: file_id of an earlier version (same order, same caller) that this file supersedes. */
  replaces?: string;
}

export interface FinalizeResponse {
  file_id: string;
  status: 'uploaded';
}

/** POST /api/uploads/multipart/parts */
export interface MultipartPartsRequest {
  object_key: string;
  upload_id: string;
  part_numbers: number[];
}
export interface MultipartPartsResponse {
  parts: PartUrl[];
  expires_at: string;
}

/** POST /api/uploads/multipart/complete */
export interface MultipartCompleteRequest {
  object_key: string;
  upload_id: string;
  parts: { part_number: number; etag: string }[];
}

/** POST /api/uploads/multipart/abort */
export interface MultipartAbortRequest {
  object_key: string;
  upload_id: string;
}

/** SPEC v2 file lifecycle. */
export type FileStatus = 'uploaded' | 'processing' | 'ready' | 'failed' | 'infected' | 'deleted' | 'superseded';

/** One finalized file, as GET /api/orders/:id/files lists it. */
export interface FileRecord {
  file_id: string;
  object_key: string;
  filename: string;
  bytes: number;
  mime: string;
  checksum: string | null;
  room_type: string;
  stack_id: string;
  /** SPEC v2 "File lifecycle". */
  status: FileStatus;
  /** SPEC v2: the preview sizes available (`[]` while processing, for video, …). */
  previews: PreviewSizeName[];
  exif_meta: ExifMeta | null;
  created_at: string;
  /** SPEC v2: the room folder's name as written, when the client sent one. */
  room_label?: string | null;
  /** SPEC v2: frames of the client's stack, when it sent them. */
  stack_frames?: number | null;
  /** SPEC v2: file_id of the earlier version this file superseded, or null. */
  replaces?: string | null;
  /**
   * Why the file is `failed` ("SCAN_UNAVAILABLE: …", "DECODE_FAILED: …"), the signature clamd named when it is
   * `infected` (issue 16), or a note on a `ready` file (`SCANNED_IN_WINDOWS n×bytes`); absent otherwise.
   */
  status_reason?: string | null;
  /** SPEC v2 listing with `with_urls=1`: a signed GET of the original, 15 minutes. */
  download_url?: string;
}

/** SPEC v2 "File lifecycle" states. */
export type FileStatusName = FileStatus;

/** SPEC v2 "Previews": the preview sizes (longest side 200, 400, 800, ≤ 1200 px). */
export type PreviewSizeName = 'small' | 'medium' | 'large' | 'original';

/** GET /api/files/:file_id/preview?size= (SPEC v2 "Previews"). */
export interface PreviewResponse {
  /** Signed GET URL of the JPEG preview, valid until expires_at (15 minutes). */
  url: string;
  size: PreviewSizeName;
  /** Pixels. */
  width: number;
  height: number;
  /** ISO 8601. */
  expires_at: string;
}

export interface FileListResponse {
  files: FileRecord[];
  /** SPEC v2: cursor of the next page, null on the last page (absent from pre-v2 servers). */
  next_cursor?: string | null;
}

/** SPEC v2: GET /api/orders/:id/files query. */
export interface FileListQuery {
  status?: FileStatus;
  room_type?: string;
  /** 1…1000, default 1000. */
  limit?: number;
  cursor?: string;
  with_urls?: boolean;
}

/** SPEC v2 quotas: bytes. */
export interface QuotaFigures {
  bytes_used: number;
  bytes_limit: number;
}

/** One stack of an order (SPEC v2 GET /api/orders/:id/stacks). */
export interface StackRecord {
  room_type: string;
  room_label: string | null;
  stack_id: string;
  /** Frames the client said the stack has (its latest intent's stack_frames; 0 when unknown). */
  frames_declared: number;
  /** Listed (not superseded, not deleted) files of (order, room_type, stack_id). */
  frames_registered: number;
  /** Exposure compensation of the registered frames, from exif_meta, in capture order. */
  ev: number[];
  /** frames_registered >= frames_declared. */
  complete: boolean;
}

export interface StacksResponse {
  stacks: StackRecord[];
}

export interface MeResponse {
  user_id: string;
  name?: string;
  /** SPEC v2 (absent from pre-v2 servers). */
  quota?: QuotaFigures;
  /**
   * Issue 16: true when the server scans every upload for malware after finalize (a scanner is configured),
   * so a client's closing check waits for the verdict; false or absent: nothing to wait for.
   */
  malware_scan?: boolean;
}

/** Most files one POST /api/uploads/finalize-batch may carry (SPEC v2). */
export const MAX_BATCH_FINALIZE = 50;

/** POST /api/uploads/finalize-batch request body (seed 002's confirm-upload). */
export interface FinalizeBatchRequest {
  files: FinalizeRequest[];
}

/** One answer per item, in order: what the single finalize answers, or its error body. */
export type FinalizeBatchItem = FinalizeResponse | ErrorBody;

export interface FinalizeBatchResponse {
  results: FinalizeBatchItem[];
}

/**
 * GET /api/files/:file_id/download (SPEC v2): a signed GET of the original, 15 minutes, with
 * `Content-Disposition: attachment; filename="<original>"`. `filename`, `bytes` and `checksum` are
 * piximmo's additions so a client can name and verify the download.
 */
export interface DownloadResponse {
  url: string;
  expires_at: string;
  filename: string;
  bytes: number;
  checksum: string | null;
}

/** DELETE /api/files/:file_id (SPEC v2 soft delete). */
export interface DeleteFileResponse {
  file_id: string;
  status: 'deleted';
  deleted_at: string;
}

/** GET /api/uploads/stats?since= (SPEC v2 statistics), over the caller's intents issued since `since`. */
export interface UploadStatsResponse {
  since: string | null;
  intents: number;
  finalized: number;
  expired: number;
  /** Bytes of the finalized ones. */
  bytes: number;
  /** finalized / intents, 0…1; 0 when there were no intents. */
  success_rate: number;
  /** Median intent → finalize time, ms; null when nothing was finalized. */
  median_upload_ms: number | null;
  by_mime: Record<string, number>;
  /** Issue 16: the caller's files found infected (quarantined) among those whose intent was issued since `since`. */
  infected?: number;
}

export interface OrderSummary {
  id: string;
  shootcode: string;
  file_count: number;
}

export interface OrdersResponse {
  orders: OrderSummary[];
}

/** POST /api/auth/device/code response (RFC 8628). */
export interface DeviceCodeResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  /** verification_uri with the user code filled in (RFC 8628 §3.3.1, optional). */
  verification_uri_complete?: string;
  /** Seconds to wait between polls of /api/auth/device/token. */
  interval: number;
  /** Seconds until device_code expires. */
  expires_in: number;
}

export interface DeviceTokenResponse {
  device_token: string;
  user_id: string;
}
