/**
 * Production signer: SigV4 query-signed ("presigned") URLs for an S3-compatible API (R2's in
 * production; any S3-compatible endpoint with the local server's `--storage s3`), made with aws4fetch.
 *
 * Single PUT: `PUT {S3_ENDPOINT}/{S3_BUCKET}/{key}` (path-style) signing `Content-Type`,
 * `If-None-Match: *` unless `ifNoneMatch` is false (SPEC: single-use — a second PUT on the key fails
 * with 412 on R2/S3) and, when the intent has a checksum, `x-amz-checksum-sha256` (base64 of the digest:
 * R2/S3 reject a body that does not hash to it). Exactly these headers are returned to the client,
 * which sends them plus Content-Length (not signed); the signature also covers `host`.
 * Parts: `PUT …/{key}?partNumber=N&uploadId=U` (UploadPart), no extra headers.
 * Lifetime: X-Amz-Expires = seconds until `expiresAt` (SPEC: 5 minutes).
 */
import { AwsClient } from 'aws4fetch';
import { base64, hexToBytes } from '../lib/crypto.js';
import { attachmentDisposition } from '../lib/content-disposition.js';
import type { GetTarget, PartTarget, PutTarget, SignedPut, UploadSigner } from './types.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** R2: "auto". */
  region: string;
}

export interface PresignInput {
  method: 'GET' | 'PUT';
  url: string;
  /** Headers that become part of the signature; the client must send exactly these. */
  headers?: Record<string, string>;
  /** X-Amz-Expires, seconds (1 … 604800). */
  expiresSeconds: number;
  /** Signing time (X-Amz-Date). */
  now: Date;
}

/** AWS "20130524T000000Z" form of a date. */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

/**
 * One AwsClient per credentials for the isolate's life: it caches the derived signing key (per day,
 * region, service), so a batch of 50 URLs derives it once instead of 50 times (issue 15 "Server cost per file").
 */
const clients = new Map<string, AwsClient>();
function clientFor(creds: S3Credentials): AwsClient {
  const k = `${creds.accessKeyId}\0${creds.secretAccessKey}\0${creds.region}`;
  let c = clients.get(k);
  if (!c) {
    if (clients.size >= 8) clients.clear(); // a handful of credentials at most; never grows without bound
    c = new AwsClient({ ...creds, service: 's3' });
    clients.set(k, c);
  }
  return c;
}

/**
 * SigV4 query signing, the core of this signer. Tested against AWS's published presigned-URL example
 * (test/server/sigv4.test.ts). Returns the full URL including X-Amz-Signature.
 */
export async function presignS3(creds: S3Credentials, input: PresignInput): Promise<string> {
  const client = clientFor(creds);
  const url = new URL(input.url);
  url.searchParams.set('X-Amz-Expires', String(Math.max(1, Math.min(604_800, Math.floor(input.expiresSeconds)))));
  const signed = await client.sign(url.toString(), {
    method: input.method,
    headers: input.headers ?? {},
    aws: { signQuery: true, allHeaders: true, datetime: amzDate(input.now) },
  });
  return signed.url;
}

/** Path-style object URL: each key segment percent-encoded. */
export function objectUrl(endpoint: string, bucket: string, key: string): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(bucket)}/${path}`;
}

export interface S3SignerConfig extends S3Credentials {
  /** e.g. "https://<account>.r2.cloudflarestorage.com" or "http://127.0.0.1:9000" (a path prefix is kept). */
  endpoint: string;
  bucket: string;
}

export interface S3SignerOptions extends S3SignerConfig {
  /** Sign `If-None-Match: *` into single PUTs; default true. */
  ifNoneMatch?: boolean;
}

export class S3Signer implements UploadSigner {
  readonly kind = 's3' as const;
  constructor(private readonly cfg: S3SignerOptions) {
    for (const k of ['endpoint', 'bucket', 'accessKeyId', 'secretAccessKey'] as const) {
      if (!cfg[k]) throw new Error(`S3 signer: ${k} is not set`);
    }
  }

  private ttl(expiresAt: Date, now: Date): number {
    return Math.ceil((expiresAt.getTime() - now.getTime()) / 1000);
  }

  async signPut(t: PutTarget): Promise<SignedPut> {
    const now = new Date();
    const headers: Record<string, string> = { 'Content-Type': t.mime };
    if (this.cfg.ifNoneMatch !== false) headers['If-None-Match'] = '*';
    if (t.checksum) headers['x-amz-checksum-sha256'] = base64(hexToBytes(t.checksum));
    const url = await presignS3(this.cfg, {
      method: 'PUT',
      url: objectUrl(this.cfg.endpoint, this.cfg.bucket, t.objectKey),
      headers,
      expiresSeconds: this.ttl(t.expiresAt, now),
      now,
    });
    return { url, headers };
  }

  async signPart(t: PartTarget): Promise<string> {
    const now = new Date();
    const u = new URL(objectUrl(this.cfg.endpoint, this.cfg.bucket, t.objectKey));
    u.searchParams.set('partNumber', String(t.partNumber));
    u.searchParams.set('uploadId', t.uploadId);
    return presignS3(this.cfg, { method: 'PUT', url: u.toString(), expiresSeconds: this.ttl(t.expiresAt, now), now });
  }

  /**
   * SPEC v2 download: presigned GET; `response-content-disposition` / `response-content-type` are part of
   * the signed query, so S3/R2 answer with them and nobody can change them without breaking the signature.
   */
  async signGet(t: GetTarget): Promise<string> {
    const now = new Date();
    const u = new URL(objectUrl(this.cfg.endpoint, this.cfg.bucket, t.objectKey));
    u.searchParams.set('response-content-disposition', attachmentDisposition(t.filename));
    u.searchParams.set('response-content-type', t.mime);
    return presignS3(this.cfg, { method: 'GET', url: u.toString(), expiresSeconds: this.ttl(t.expiresAt, now), now });
  }

  /** The S3 endpoint's origin (its path prefix, if any, is not part of it). */
  storageOrigin(): string {
    return new URL(this.cfg.endpoint).origin;
  }
}
