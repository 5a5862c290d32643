/**
 * Server-side access to the object store (SPEC "The system": the API checks objects at finalize, runs
 * multipart create/complete/abort, and housekeeping deletes expired objects). Two implementations:
 * - `R2BindingStore` (storage/r2.ts): the Worker's `BUCKET` binding (R2 in production, Miniflare's
 *   emulated R2 locally);
 * - `S3HttpStore` (storage/s3.ts): header-signed SigV4 requests to an S3-compatible endpoint
 *   (path-style `<endpoint>/<bucket>/<key>`), e.g. R2's S3 API, MinIO, or an nginx WebDAV sink.
 * Clients never talk to the store through this interface: they PUT to signed URLs (signers/). The Queue's
 * processing (processing/object-io.ts, scan/objects.ts) reads and writes through it too, so a new backend is
 * one class here (issue 9: storage/<name>.ts, signers/<name>.ts, lib/services.ts, env.ts).
 */

/** What a HEAD tells about a stored object. */
export interface StoredObject {
  /** Bytes. */
  size: number;
  /** Quoted entity tag as the store reports it (S3 `ETag`, R2 `httpEtag`), or "" when none. */
  etag: string;
  /**
   * SHA-256 (lower-case hex) the store verified at write and reports back, or null when it does not
   * (no checksum sent at PUT, multipart object, or a sink without checksum support such as nginx).
   */
  sha256: string | null;
  /**
   * The object's custom metadata (R2 `customMetadata`; S3 `x-amz-meta-<name>` headers, names lower-case),
   * e.g. a preview's pixel size `{width, height}` (decimal strings). Empty when none.
   */
  metadata: Record<string, string>;
}

/** A byte window of an object: `length` bytes from `offset` (both ≥ 0). */
export interface ByteRange {
  offset: number;
  length: number;
}

/** What a GET returns: the body and what is needed to store it again (scan quarantine copies it). */
export interface ObjectBody {
  /** The object's bytes, or the asked window of them. */
  body: ReadableStream<Uint8Array>;
  /** Bytes in `body` (the window's length for a ranged read); null when the store did not say (no Content-Length). */
  length: number | null;
  /** The stored Content-Type ("application/octet-stream" when the store has none). */
  contentType: string;
  /** Custom metadata as in StoredObject.metadata. */
  metadata: Record<string, string>;
}

/** How to store an object written by the server (previews, quarantined copies). */
export interface PutOptions {
  contentType: string;
  /**
   * Custom metadata (R2 customMetadata; S3 `x-amz-meta-<lower-case name>`, values outside printable ASCII
   * replaced by "?", since HTTP headers carry ASCII only).
   */
  metadata?: Record<string, string>;
  /** Bytes of a streamed body; lets the store stream it (workerd FixedLengthStream) instead of buffering. */
  length?: number;
}

/** One uploaded part, for completing a multipart upload. */
export interface CompletedPart {
  /** 1-based. */
  partNumber: number;
  /** The part's entity tag without quotes. */
  etag: string;
}

/** The store refused a multipart complete because of the parts (wrong etag, missing or undersized part). */
export class PartsRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartsRejectedError';
  }
}

export interface ObjectStore {
  readonly kind: 'r2' | 's3';
  /** Metadata of `key`, or null when there is no such object. */
  head(key: string): Promise<StoredObject | null>;
  /**
   * SHA-256 (hex) computed by reading the whole object once; null when it is gone. Only stores that can
   * afford it offer this (R2 binding: a read inside the data centre); the S3 store leaves it out, so
   * finalize in S3 mode checks the size only when the store reports no checksum.
   */
  hashByRead?(key: string): Promise<string | null>;
  /**
   * The object's bytes (all, or the `range` window), or null when there is no such object. A store that
   * ignores Range gets the window cut out of the whole body. Processing (previews) and the scan step read here.
   */
  get(key: string, range?: ByteRange): Promise<ObjectBody | null>;
  /** Writes `key` (overwriting): previews with their pixel size as metadata, quarantined copies. */
  put(key: string, body: ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer, opts: PutOptions): Promise<void>;
  /** Deletes `key`; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Deletes every object whose key starts with `prefix` (housekeeping: a file's previews,
   * `previews/<file_id>/…`); returns how many. A store that cannot list (nginx WebDAV) deletes none.
   */
  deletePrefix(prefix: string): Promise<number>;
  /** Starts a multipart upload; returns its upload id. */
  createMultipart(key: string, contentType: string, intentId: string): Promise<string>;
  /** Completes a multipart upload. Throws PartsRejectedError when the store refuses the parts. */
  completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<void>;
  /** Aborts a multipart upload; an unknown (already completed/aborted) upload is not an error. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
}
