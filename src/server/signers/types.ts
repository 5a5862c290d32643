/**
 * One interface for both ways of handing out upload URLs (SPEC "The system"):
 * - local: HMAC tokens for this Worker's own `PUT /upload/<token>` (signers/local.ts);
 * - s3: SigV4 query-signed URLs for R2's S3 API (signers/s3.ts).
 */

/** A single-PUT upload of one object. */
export interface PutTarget {
  intentId: string;
  objectKey: string;
  /** Declared size in bytes: the most the PUT may carry. */
  bytes: number;
  /** Content-Type the client must send. */
  mime: string;
  /** SHA-256 lower-case hex the stored bytes must hash to, or null. */
  checksum: string | null;
  expiresAt: Date;
  /** Origin the API request came in on, e.g. "http://127.0.0.1:8787" (local signer only). */
  origin: string;
}

/** One part of a multipart upload. */
export interface PartTarget {
  intentId: string;
  objectKey: string;
  uploadId: string;
  /** 1-based. */
  partNumber: number;
  /** Exact size of this part in bytes (all parts part_size but the last). */
  bytes: number;
  expiresAt: Date;
  origin: string;
}

export interface SignedPut {
  url: string;
  /** Headers the client must send with the PUT, exactly these (SPEC). */
  headers: Record<string, string>;
}

/** A signed GET of a stored original (SPEC v2 "Downloads"). */
export interface GetTarget {
  fileId: string;
  objectKey: string;
  /** The original filename, sent back in `Content-Disposition: attachment`. */
  filename: string;
  /** Content-Type of the answer. */
  mime: string;
  expiresAt: Date;
  /** Origin the API request came in on (local signer only). */
  origin: string;
}

export interface UploadSigner {
  readonly kind: 'local' | 's3';
  signPut(t: PutTarget): Promise<SignedPut>;
  /** URL for `PUT <url>` of one part; the response's `ETag` header is the part's etag. */
  signPart(t: PartTarget): Promise<string>;
  /** URL for `GET <url>` of the object until `expiresAt`, answered with `Content-Disposition: attachment`. */
  signGet(t: GetTarget): Promise<string>;
  /**
   * The origin the signed upload URLs point at, e.g. "https://<account>.r2.cloudflarestorage.com" (issue 15:
   * GET /api/me names it so a client can open its upload connections while it plans). `requestOrigin`: the
   * origin the API request came in on (the local signer's URLs use it).
   */
  storageOrigin(requestOrigin: string): string;
}
