/**
 * Schemas of every answer body the CLI reads (SPEC "API", "Contract v2"), in valibot. The response types of
 * `contract/api.ts` are inferred from them, so the server (which builds its answers typed with those types)
 * and the client (which checks every answer against these schemas, src/api/expect.ts) cannot drift apart.
 *
 * Forward compatibility: `v.object` ignores keys it does not know, so a newer server may add fields; a missing
 * or wrong-typed required field is refused (→ ApiError BAD_RESPONSE naming the field). Fields older servers
 * leave out are `v.optional`. Sizes in bytes, times ISO 8601 strings unless named *_ms / *_seconds.
 * Request bodies are not here (contract/requests.ts).
 */
import * as v from 'valibot';
import { FILE_STATUS_NAMES, PREVIEW_SIZE_NAMES } from './limits.js';

const str = v.string();
const num = v.number();
/** SPEC v2: the stack_id the server allocated (existing: the stored file's); absent from pre-v2 servers. */
const allocatedStackId = v.optional(str);

/** The error body of every failed call, also one item of a batch answer: `{"error": {code, message, details?}}`. */
export const ErrorBodySchema = v.object({
  error: v.object({ code: str, message: str, details: v.optional(v.record(str, v.unknown())) }),
});

/** One part URL of a multipart upload. */
export const PartUrlSchema = v.object({ part_number: num, url: str });

/** Intent answer for a single PUT (bytes <= multipart threshold, SPEC: 100 MB). */
export const SingleIntentResponseSchema = v.object({
  signed_url: str,
  object_key: str,
  /** Headers the client must send with the PUT, exactly these. */
  headers: v.record(str, str),
  expires_at: str,
  stack_id: allocatedStackId,
});

/** Intent answer for a multipart upload (bytes > multipart threshold). */
export const MultipartIntentResponseSchema = v.object({
  object_key: str,
  multipart: v.object({
    upload_id: str,
    /** Bytes per part (>= 5 MiB), all parts equal but the last. */
    part_size: num,
    parts: v.array(PartUrlSchema),
  }),
  expires_at: str,
  stack_id: allocatedStackId,
});

/** Intent answer when the order already holds a finalized file with the same checksum. */
export const ExistingIntentResponseSchema = v.object({
  existing_file_id: str,
  object_key: str,
  stack_id: allocatedStackId,
});

/** POST /api/uploads/intent (200): one of the three answers. */
export const IntentResponseSchema = v.union([ExistingIntentResponseSchema, MultipartIntentResponseSchema, SingleIntentResponseSchema]);

/**
 * The one intent schema `body` claims to be — `existing_file_id` → existing, `multipart` → multipart, else
 * single — so a refusal names the missing field of that answer, not "matches none of three".
 */
export function intentSchemaOf(body: unknown): typeof ExistingIntentResponseSchema | typeof MultipartIntentResponseSchema | typeof SingleIntentResponseSchema {
  if (typeof body === 'object' && body !== null) {
    if ('existing_file_id' in body) return ExistingIntentResponseSchema;
    if ('multipart' in body) return MultipartIntentResponseSchema;
  }
  return SingleIntentResponseSchema;
}

/** POST /api/uploads/intents (200): one intent answer or one error body per file, in request order. */
export const BatchIntentResponseSchema = v.object({ uploads: v.array(v.union([IntentResponseSchema, ErrorBodySchema])) });

/** POST /api/uploads/finalize (200). */
export const FinalizeResponseSchema = v.object({ file_id: str, status: v.literal('uploaded') });


/** The shape a batch answer's list has before its items are checked one by one (client: one bad item fails one file). */
export const BatchIntentListSchema = v.object({ uploads: v.array(v.unknown()) });
export const FinalizeBatchListSchema = v.object({ results: v.array(v.unknown()), closing_check: v.optional(v.unknown()) });

/** POST /api/uploads/multipart/parts (200): renewed part URLs. */
export const MultipartPartsResponseSchema = v.object({ parts: v.array(PartUrlSchema), expires_at: str });

/** POST /api/uploads/multipart/complete (200): the completed object as the store sees it. */
export const MultipartCompleteResponseSchema = v.object({ object_key: str, bytes: num, etag: str });

/** SPEC v2 file lifecycle. */
export const FileStatusSchema = v.picklist(FILE_STATUS_NAMES);

/** SPEC v2 "Previews": the preview sizes (longest side 200, 400, 800, ≤ 1200 px). */
export const PreviewSizeSchema = v.picklist(PREVIEW_SIZE_NAMES);

/**
 * EXIF values as the listing returns them (what the client sent at finalize). Each field is optional, and one
 * the server stored with another type is dropped rather than refusing the whole listing: the server kept
 * whatever object a client sent, and no CLI decision rests on these values.
 */
const exifField = <T extends v.GenericSchema>(s: T) => v.fallback(v.optional(s), undefined);
export const ListedExifMetaSchema = v.object({
  make: exifField(str),
  model: exifField(str),
  serial: exifField(str),
  /** Focal length in mm. */
  focal: exifField(num),
  iso: exifField(num),
  /** Exposure time as a photographer writes it: "1/120", "4", "0.5". */
  shutter: exifField(str),
  /** Exposure time in seconds. */
  exposure_time: exifField(num),
  aperture: exifField(num),
  /** Capture time, ISO 8601 without zone when the camera gave none. */
  captured_at: exifField(str),
  /** Milliseconds within captured_at's second (0–999). */
  captured_subsec_ms: exifField(num),
  /** Exposure compensation in EV. */
  ev: exifField(num),
});

/** One finalized file, as GET /api/orders/:id/files lists it. */
export const FileRecordSchema = v.object({
  file_id: str,
  object_key: str,
  filename: str,
  bytes: num,
  mime: str,
  checksum: v.nullable(str),
  room_type: str,
  stack_id: str,
  /** SPEC v2 "File lifecycle". */
  status: FileStatusSchema,
  /** SPEC v2: the preview sizes available (`[]` while processing, for video, …). */
  previews: v.array(PreviewSizeSchema),
  exif_meta: v.nullable(ListedExifMetaSchema),
  created_at: str,
  /** SPEC v2: the room folder's name as written, when the client sent one. */
  room_label: v.nullish(str),
  /** SPEC v2: frames of the client's stack, when it sent them. */
  stack_frames: v.nullish(num),
  /** SPEC v2: file_id of the earlier version this file superseded, or null. */
  replaces: v.nullish(str),
  /** Why `failed`, the signature when `infected` (issue 16), or a note on a `ready` file; absent otherwise. */
  status_reason: v.nullish(str),
  /** SPEC v2 listing with `with_urls=1`: a signed GET of the original, 15 minutes. */
  download_url: v.optional(str),
});

/**
 * The fields of one listed file (FileRecordSchema's keys), the values of the listing's `fields` parameter
 * (issue 15: a client that needs only ids asks for `fields=file_id`; file_id is always sent).
 */
export const FILE_RECORD_FIELDS = Object.keys(FileRecordSchema.entries) as readonly (keyof typeof FileRecordSchema.entries)[];

/** GET /api/orders/:id/files (200): one page. */
export const FileListResponseSchema = v.object({
  files: v.array(FileRecordSchema),
  /** SPEC v2: cursor of the next page, null on the last page (absent from pre-v2 servers). */
  next_cursor: v.nullish(str),
});

/** GET /api/orders/:id/files?fields=file_id (200, issue 15): one page of ids (a server without `fields` sends whole records). */
export const FileIdsPageSchema = v.object({
  files: v.array(v.object({ file_id: str })),
  next_cursor: v.nullish(str),
});

/** GET /api/files/:file_id/preview?size= (SPEC v2 "Previews"): a signed GET of the JPEG, 15 minutes; pixels. */
export const PreviewResponseSchema = v.object({ url: str, size: PreviewSizeSchema, width: num, height: num, expires_at: str });

/** SPEC v2 quotas: bytes. */
export const QuotaFiguresSchema = v.object({ bytes_used: num, bytes_limit: num });

/** One stack of an order (SPEC v2 GET /api/orders/:id/stacks). */
export const StackRecordSchema = v.object({
  room_type: str,
  room_label: v.nullable(str),
  stack_id: str,
  /** Frames the client said the stack has (its latest intent's stack_frames; 0 when unknown). */
  frames_declared: num,
  /** Listed (not superseded, not deleted) files of (order, room_type, stack_id). */
  frames_registered: num,
  /** Exposure compensation of the registered frames, from exif_meta, in capture order. */
  ev: v.array(num),
  /** frames_registered >= frames_declared. */
  complete: v.boolean(),
});

/** GET /api/orders/:id/stacks (200). */
export const StacksResponseSchema = v.object({ stacks: v.array(StackRecordSchema) });

/**
 * One order of a finalize batch's `closing_check` (issue 15), read after the batch's files were written: the
 * ids of its listed files — the first page of GET /api/orders/:id/files?fields=file_id, `next_cursor` set when
 * there are more — and then its stacks, as GET /api/orders/:id/stacks; or the error those routes would answer
 * (403 ORDER_FORBIDDEN).
 */
export const ClosingCheckOrderSchema = v.object({
  order_id: str,
  file_ids: v.array(str),
  next_cursor: v.nullable(str),
  stacks: v.array(StackRecordSchema),
});
export const ClosingCheckEntrySchema = v.union([ClosingCheckOrderSchema, v.object({ order_id: str, error: ErrorBodySchema.entries.error })]);
/** A finalize batch's `closing_check` (issue 15): one entry per order asked, in the order asked. */
export const ClosingCheckSchema = v.array(ClosingCheckEntrySchema);

/**
 * POST /api/uploads/finalize-batch (200): one finalize answer or one error body per item, in order; and, when
 * the request named orders in `closing_check`, their closing check (issue 15).
 */
export const FinalizeBatchResponseSchema = v.object({
  results: v.array(v.union([FinalizeResponseSchema, ErrorBodySchema])),
  closing_check: v.optional(ClosingCheckSchema),
});

/** GET /api/me (200). */
export const MeResponseSchema = v.object({
  user_id: str,
  name: v.optional(str),
  /** SPEC v2 (absent from pre-v2 servers). */
  quota: v.optional(QuotaFiguresSchema),
  /** Issue 16: true when the server scans every upload for malware after finalize; false or absent: no scan. */
  malware_scan: v.optional(v.boolean()),
  /**
   * Issue 15: the origin the signed upload URLs point at (`scheme://host[:port]`), so a client can open its
   * upload connections while it plans; absent from older servers. A hint only: the URLs themselves decide.
   */
  storage_origin: v.optional(str),
});

/** GET /api/files/:file_id/download (200, SPEC v2): a signed GET of the original, 15 minutes. */
export const DownloadResponseSchema = v.object({ url: str, expires_at: str, filename: str, bytes: num, checksum: v.nullable(str) });

/** DELETE /api/files/:file_id (200, SPEC v2 soft delete). */
export const DeleteFileResponseSchema = v.object({ file_id: str, status: v.literal('deleted'), deleted_at: str });

/** GET /api/uploads/stats?since= (200, SPEC v2 statistics), over the caller's intents issued since `since`. */
export const UploadStatsResponseSchema = v.object({
  since: v.nullable(str),
  intents: num,
  finalized: num,
  expired: num,
  /** Bytes of the finalized ones. */
  bytes: num,
  /** finalized / intents, 0…1; 0 when there were no intents. */
  success_rate: num,
  /** Median intent → finalize time, ms; null when nothing was finalized. */
  median_upload_ms: v.nullable(num),
  by_mime: v.record(str, num),
  /** Issue 16: the caller's files found infected among those whose intent was issued since `since`. */
  infected: v.optional(num),
});

/** One order of GET /api/orders. */
export const OrderSummarySchema = v.object({ id: str, shootcode: str, file_count: num });

/** GET /api/orders (200): the caller's orders. */
export const OrdersResponseSchema = v.object({ orders: v.array(OrderSummarySchema) });

/** POST /api/auth/device/code (200, RFC 8628 §3.2). */
export const DeviceCodeResponseSchema = v.object({
  device_code: str,
  user_code: str,
  verification_uri: str,
  /** verification_uri with the user code filled in (RFC 8628 §3.3.1, optional). */
  verification_uri_complete: v.optional(str),
  /** Seconds to wait between polls of /api/auth/device/token. */
  interval: num,
  /** Seconds until device_code expires. */
  expires_in: num,
});

/** POST /api/auth/device/token (200): the device token once the user approved. */
export const DeviceTokenResponseSchema = v.object({ device_token: str, user_id: str });

/** An answer whose content the CLI does not read (multipart abort, logout: 204 or any JSON object). */
export const IgnoredResponseSchema = v.optional(v.unknown());
