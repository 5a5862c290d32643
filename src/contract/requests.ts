/**
 * Request schemas of the piximmo API (issue 9 "An executable contract"), valibot: the server validates
 * every body and query through them (src/server/lib/valid.ts → 400 VALIDATION_FAILED with `details.field`
 * = the first offending field's path joined by ".", e.g. `parts.2.etag`), and the request types of
 * src/contract/api.ts are inferred from them, so the CLI builds exactly what the server parses.
 * A field added here reaches both halves; the compiler then names every place that must fill or read it.
 * Domain checks that need the database (order ownership, part numbers ≤ the upload's part count, a file's
 * order_id equal to its batch's) stay with the routes. Sources: SPEC "API" and "Contract v2".
 */
import * as v from 'valibot';
import type { ExifMeta } from './api.js';
import { MAX_PARTS } from './parts.js';
import { FILE_STATUS_NAMES, isPrintable, MAX_BATCH_FINALIZE, MAX_BATCH_INTENTS, MAX_CLOSING_ORDERS, MAX_LIST_PAGE, PREVIEW_SIZE_NAMES } from './limits.js';
import { FILE_RECORD_FIELDS } from './responses.js';
import { fileName, MAX_EXIF_JSON, optInt, optString, reqInt, reqString, sha256 } from './request-fields.js';

/** Per-file fields of an intent (SPEC "POST /api/uploads/intent", v2 "Stack identity"), in checking order. */
const intentFileEntries = {
  filename: fileName('filename'),
  mime: reqString('mime', 255),
  /** Slugged by the server to [a-z0-9-]; default "unsorted". */
  room_type: optString('room_type'),
  /** Slugged by the server to [a-z0-9-]; default "s000". With stack_key: the client's proposal. */
  stack_id: optString('stack_id'),
  /** Size of the file in bytes. */
  bytes: reqInt('bytes', 0),
  /** SHA-256 of the file, hex (lower-cased by the parse); optional but always sent by the CLI. */
  checksum: v.nullish(sha256('checksum')),
  /** SPEC v2: opaque key of the client's stack (≤ 128), the same on every run and machine. */
  stack_key: v.nullish(
    v.pipe(
      v.string('stack_key must be a string'),
      v.maxLength(128, 'stack_key is longer than 128 characters'),
      v.check((s) => s.trim() !== '' && isPrintable(s), 'stack_key must be printable and not empty'),
    ),
  ),
  /** SPEC v2: how many frames the client's stack has (integer ≥ 1). */
  stack_frames: optInt('stack_frames', 1),
  /** SPEC v2: the room folder's name as written (≤ 100), e.g. "Schlafzimmer 2"; never used in keys. */
  room_label: v.nullish(
    v.pipe(
      v.string('room_label must be a string'),
      v.maxLength(100, 'room_label is longer than 100 characters'),
      v.check(isPrintable, 'room_label must not contain control or bidirectional characters'),
    ),
  ),
};

const mustBeObject = (what: string) => `${what} must be a JSON object`;

/** A JSON object (not an array, not null) with these entries; `message` when it is no object at all. */
function jsonObject<E extends v.ObjectEntries>(entries: E, message: string) {
  return v.pipe(
    v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), message),
    v.object(entries, message),
  );
}

/** POST /api/uploads/intent body. */
export const IntentRequestSchema = jsonObject({ ...intentFileEntries, order_id: reqString('order_id', 128) }, mustBeObject('request body'));

/** One file of a batch: a single-intent body whose order_id is left out or equals the batch's (checked by the route). */
export const BatchIntentFileSchema = jsonObject({ ...intentFileEntries, order_id: optString('order_id', 128) }, mustBeObject('each entry of files'));

const filesMessage = (max: number, what: string) => `files must be an array of 1 to ${max} ${what}`;
function filesOf<T extends v.GenericSchema>(item: T, max: number, what: string) {
  const msg = filesMessage(max, what);
  return v.pipe(v.array(item, msg), v.minLength(1, msg), v.maxLength(max, msg));
}

/**
 * POST /api/uploads/intents body (batch; seeds/002's prepare-upload): 1…MAX_BATCH_INTENTS files of one
 * order; counts as one request for the intent rate limit.
 */
export const BatchIntentRequestSchema = jsonObject(
  { order_id: reqString('order_id', 128), files: filesOf(BatchIntentFileSchema, MAX_BATCH_INTENTS, 'intents') },
  mustBeObject('request body'),
);
/**
 * The batch as the server first reads it: the envelope only. Each file is then parsed on its own with
 * BatchIntentFileSchema, so one bad file becomes that file's error item and never fails the others.
 */
export const BatchIntentEnvelopeSchema = jsonObject(
  { order_id: reqString('order_id', 128), files: filesOf(v.unknown(), MAX_BATCH_INTENTS, 'intents') },
  mustBeObject('request body'),
);

/** EXIF values at finalize: a JSON object of at most MAX_EXIF_JSON bytes; its fields are not checked one by one. */
const exifMeta = v.pipe(
  v.custom<ExifMeta>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), mustBeObject('exif_meta')),
  v.check((x) => JSON.stringify(x).length <= MAX_EXIF_JSON, `exif_meta is larger than ${MAX_EXIF_JSON} bytes`),
);

/** POST /api/uploads/finalize body (SPEC; v2 "Finalize is bound to its intent", `replaces`). */
export const FinalizeRequestSchema = jsonObject(
  {
    object_key: reqString('object_key', 1024),
    /** Bytes; must equal the intent's and the stored object's. */
    bytes: reqInt('bytes', 0),
    /** SHA-256 hex; optional (the intent's is used then). */
    checksum: v.nullish(sha256('checksum')),
    exif_meta: v.nullish(exifMeta),
    /** SPEC v2: file_id of an earlier version (same order, same caller) that this file supersedes. */
    replaces: optString('replaces', 128),
  },
  mustBeObject('each entry of files'),
);

const closingMessage = `closing_check must be an array of 1 to ${MAX_CLOSING_ORDERS} order ids`;
/**
 * `closing_check` (issue 15, optional): order ids whose file ids (first page) and stacks the answer carries,
 * read after this batch's files are written — what a run's closing check asks for, in its last batch. Servers
 * that do not know the field ignore it (unknown keys are ignored), and the client then asks as before.
 */
const closingCheck = v.optional(
  v.pipe(v.array(reqString('closing_check', 128), closingMessage), v.minLength(1, closingMessage), v.maxLength(MAX_CLOSING_ORDERS, closingMessage)),
);

/** POST /api/uploads/finalize-batch body (seed 002's confirm-upload): 1…MAX_BATCH_FINALIZE finalize bodies. */
export const FinalizeBatchRequestSchema = jsonObject(
  { files: filesOf(FinalizeRequestSchema, MAX_BATCH_FINALIZE, 'finalize bodies'), closing_check: closingCheck },
  mustBeObject('request body'),
);
/** The finalize batch's envelope, as the server first reads it (items then one by one, as for intents). */
export const FinalizeBatchEnvelopeSchema = jsonObject(
  { files: filesOf(v.unknown(), MAX_BATCH_FINALIZE, 'finalize bodies'), closing_check: closingCheck },
  mustBeObject('request body'),
);

const uploadEntries = { object_key: reqString('object_key', 1024), upload_id: reqString('upload_id', 2048) };
const partNumber = (msg: string) => v.pipe(v.number(msg), v.integer(msg), v.minValue(1, msg));

/** POST /api/uploads/multipart/parts: fresh URLs for these parts (1-based; ≤ the upload's part count, checked by the route). */
export const MultipartPartsRequestSchema = jsonObject(
  {
    ...uploadEntries,
    part_numbers: v.pipe(
      v.array(partNumber('part numbers must be integers >= 1'), 'part_numbers must be a non-empty array'),
      v.minLength(1, 'part_numbers must be a non-empty array'),
      v.maxLength(MAX_PARTS, 'part_numbers must be a non-empty array'),
    ),
  },
  mustBeObject('request body'),
);

/** POST /api/uploads/multipart/complete: every part with its ETag (quoted or not). */
export const MultipartCompleteRequestSchema = jsonObject(
  {
    ...uploadEntries,
    parts: v.pipe(
      v.array(
        jsonObject(
          {
            part_number: partNumber('part_number must be an integer >= 1'),
            etag: v.pipe(v.string('etag is required'), v.nonEmpty('etag is required')),
          },
          'each part must be a JSON object',
        ),
        'parts must be a non-empty array',
      ),
      v.minLength(1, 'parts must be a non-empty array'),
      v.maxLength(MAX_PARTS, 'parts must be a non-empty array'),
    ),
  },
  mustBeObject('request body'),
);

/** POST /api/uploads/multipart/abort. */
export const MultipartAbortRequestSchema = jsonObject(uploadEntries, mustBeObject('request body'));

/** POST /api/auth/device/token (RFC 8628 §3.4; JSON or form). */
export const DeviceTokenRequestSchema = jsonObject(
  { device_code: v.pipe(v.string('device_code is required'), v.nonEmpty('device_code is required'), v.maxLength(1024, 'device_code is required')) },
  'request body must be a JSON object or a form',
);

/** POST /device (the local approval page's form). */
export const DeviceApprovalFormSchema = v.object({
  user_code: v.optional(v.string('user_code must be a string'), ''),
  user_id: v.optional(v.string('user_id must be a string'), ''),
  action: v.optional(v.picklist(['approve', 'deny'], 'action must be approve or deny'), 'approve'),
});

/** A query parameter given empty counts as absent (`?status=` lists as without it). */
const queryParam = <T extends v.GenericSchema<string, unknown>>(s: T) =>
  v.optional(v.pipe(v.string(), v.transform((x) => (x === '' ? undefined : x)), v.optional(s)));

const listLimitMessage = `limit must be an integer from 1 to ${MAX_LIST_PAGE}`;

/**
 * GET /api/orders/:id/files query (SPEC v2 "Listing"): `status` one of FILE_STATUS_NAMES, `room_type`
 * (slugged by the server), `limit` 1…MAX_LIST_PAGE (default MAX_LIST_PAGE), `cursor` (a next_cursor),
 * `with_urls` ("1" or "true"), `fields` (comma-separated FILE_RECORD_FIELDS: each file carries only these and
 * its file_id; issue 15). Input: the query's strings; output: typed values.
 */
export const FileListQuerySchema = v.object({
  status: queryParam(v.picklist(FILE_STATUS_NAMES, `status must be one of ${FILE_STATUS_NAMES.join(', ')}`)),
  room_type: queryParam(v.string()),
  limit: queryParam(
    v.pipe(
      v.string(),
      v.transform(Number),
      v.integer(listLimitMessage),
      v.minValue(1, listLimitMessage),
      v.maxValue(MAX_LIST_PAGE, listLimitMessage),
    ),
  ),
  cursor: queryParam(v.string()),
  with_urls: v.optional(v.pipe(v.string(), v.transform((x) => x === '1' || x === 'true'))),
  fields: queryParam(
    v.pipe(
      v.string(),
      v.transform((x) => x.split(',')),
      v.check(
        (xs) => xs.every((x) => (FILE_RECORD_FIELDS as readonly string[]).includes(x)),
        `fields must be a comma-separated list of ${FILE_RECORD_FIELDS.join(', ')}`,
      ),
      v.transform((xs) => xs as (typeof FILE_RECORD_FIELDS)[number][]),
    ),
  ),
});

/** GET /api/files/:file_id/preview query: `size`, default "medium". */
export const PreviewQuerySchema = v.object({
  size: v.optional(
    v.picklist(PREVIEW_SIZE_NAMES, (issue) => `size must be small, medium, large or original, not "${String(issue.input)}"`),
    'medium',
  ),
});

/** GET /api/uploads/stats query: `since`, an ISO 8601 date (output: normalised ISO string), or all time. */
export const StatsQuerySchema = v.object({
  since: queryParam(
    v.pipe(
      v.string(),
      v.check((s) => Number.isFinite(Date.parse(s)), 'since must be an ISO 8601 date, e.g. 2025-11-10T00:00:00Z'),
      v.transform((s) => new Date(Date.parse(s)).toISOString()),
    ),
  ),
});
