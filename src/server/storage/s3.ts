/**
 * ObjectStore over an S3-compatible HTTP endpoint (`STORE = "s3"`; the local server's `--storage s3`):
 * header-signed SigV4 requests (aws4fetch, service "s3", `x-amz-content-sha256: UNSIGNED-PAYLOAD`) to
 * path-style URLs `<S3_ENDPOINT>/<S3_BUCKET>/<key>`.
 *
 * - head: `HEAD <object>` with `x-amz-checksum-mode: ENABLED`; 200 → size from Content-Length, sha256
 *   from `x-amz-checksum-sha256` (base64, present only when the PUT carried it and the store keeps it:
 *   R2/S3 do, nginx WebDAV does not — then finalize checks the size only); 404 → null.
 * - get: `GET <object>` (with `Range: bytes=a-b` for a window; a store that answers 200 to a Range has the
 *   window cut out of the whole body); 404 → null. put: `PUT <object>` with Content-Type and
 *   `x-amz-meta-<name>` headers (a streamed body of known length stays a stream in workerd, else is buffered).
 *   Both may take 60 s (originals of hundreds of MB), the rest 30 s.
 * - delete: `DELETE <object>`; 2xx and 404 (nginx answers 404 for a missing file) are success.
 * - multipart: CreateMultipartUpload `POST <object>?uploads` (XML `UploadId`), CompleteMultipartUpload
 *   `POST <object>?uploadId=U` (XML body; S3 may answer 200 with an `<Error>` body, treated as failure),
 *   AbortMultipartUpload `DELETE <object>?uploadId=U` (404 NoSuchUpload is success). Sinks without
 *   multipart (nginx WebDAV) are run with `S3_MULTIPART = "off"` instead, so these are never called.
 * Any other answer, a network error or no answer within 30 s → HttpError 502 STORAGE_ERROR naming the
 * operation and the store's status/code. Source of the wire formats: the Amazon S3 API reference.
 */
import { AwsClient } from 'aws4fetch';
import { fromBase64url, toHex } from '../lib/crypto.js';
import { HttpError } from '../lib/errors.js';
import { objectUrl, type S3SignerConfig } from '../signers/s3.js';
import type { ByteRange, CompletedPart, ObjectBody, ObjectStore, PutOptions, StoredObject } from './types.js';
import { PartsRejectedError } from './types.js';

/** Milliseconds one request to the store may take. */
const TIMEOUT_MS = 30_000;
/** Milliseconds a GET or PUT of object bytes may take. */
const TRANSFER_TIMEOUT_MS = 60_000;

/** S3 error codes of CompleteMultipartUpload that mean "these parts are wrong" (→ 400 field "parts"). */
const PART_ERRORS = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'NoSuchUpload', 'MalformedXML']);

function xmlText(xml: string, tag: string): string | null {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (!m) return null;
  return m[1]
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Lower-case hex of a base64 SHA-256 header value; null when absent, composite ("…-3") or malformed. */
export function checksumHeaderToHex(v: string | null): string | null {
  if (!v || !/^[A-Za-z0-9+/]{43}=$/.test(v.trim())) return null;
  const bytes = fromBase64url(v.trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  return bytes.length === 32 ? toHex(bytes) : null;
}

/** The `x-amz-meta-*` headers of an answer as metadata (names without the prefix, lower-case). */
function metadataOf(headers: Headers): Record<string, string> {
  const meta: Record<string, string> = {};
  headers.forEach((v, k) => {
    if (k.toLowerCase().startsWith('x-amz-meta-')) meta[k.toLowerCase().slice('x-amz-meta-'.length)] = v;
  });
  return meta;
}

export class S3HttpStore implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly client: AwsClient;

  constructor(private readonly cfg: S3SignerConfig) {
    this.client = new AwsClient({ ...cfg, service: 's3', retries: 2 });
  }

  private url(key: string, query: Record<string, string> = {}): string {
    const u = new URL(objectUrl(this.cfg.endpoint, this.cfg.bucket, key));
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    // {uploads: ''} gives "?uploads=", which S3 accepts for the bare subresource "?uploads".
    return u.toString();
  }

  private async call(op: string, url: string, init: RequestInit, timeoutMs = TIMEOUT_MS): Promise<Response> {
    try {
      return await this.client.fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new HttpError('STORAGE_ERROR', `object store unreachable during ${op}: ${e instanceof Error ? e.message : String(e)}`, { operation: op });
    }
  }

  private async failure(op: string, res: Response): Promise<HttpError> {
    const text = await res.text().catch(() => '');
    const code = xmlText(text, 'Code');
    return new HttpError('STORAGE_ERROR', `object store refused ${op}: HTTP ${res.status}${code ? ` ${code}` : ''}`, {
      operation: op,
      store_status: res.status,
      ...(code ? { store_code: code } : {}),
    });
  }

  async head(key: string): Promise<StoredObject | null> {
    const res = await this.call('HeadObject', this.url(key), { method: 'HEAD', headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    if (res.status === 404) return null;
    if (!res.ok) throw await this.failure('HeadObject', res);
    const size = Number(res.headers.get('content-length'));
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new HttpError('STORAGE_ERROR', 'object store answered HeadObject without a Content-Length', { operation: 'HeadObject' });
    }
    return {
      size,
      etag: res.headers.get('etag') ?? '',
      sha256: checksumHeaderToHex(res.headers.get('x-amz-checksum-sha256')),
      metadata: metadataOf(res.headers),
    };
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | null> {
    if (range?.length === 0) {
      const h = await this.head(key);
      return h && { body: new Response(new Uint8Array(0)).body as ReadableStream<Uint8Array>, length: 0, contentType: 'application/octet-stream', metadata: h.metadata };
    }
    const headers: Record<string, string> = range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {};
    const res = await this.call('GetObject', this.url(key), { method: 'GET', headers }, TRANSFER_TIMEOUT_MS);
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok || !res.body) throw await this.failure('GetObject', res);
    const contentType = res.headers.get('content-type') ?? 'application/octet-stream';
    const metadata = metadataOf(res.headers);
    const cl = res.headers.get('content-length');
    const total = cl === null ? Number.NaN : Number(cl);
    const isWindow = !range || res.status === 206 || (range.offset === 0 && total === range.length);
    if (isWindow) {
      const length = Number.isSafeInteger(total) && total >= 0 ? total : null;
      return { body: res.body as ReadableStream<Uint8Array>, length, contentType, metadata };
    }
    // a store that ignores Range (200 with the whole object): read it and cut the window out
    const win = new Uint8Array(await res.arrayBuffer()).slice(range.offset, range.offset + range.length);
    return { body: new Response(win).body as ReadableStream<Uint8Array>, length: win.length, contentType, metadata };
  }

  async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer, opts: PutOptions): Promise<void> {
    const headers: Record<string, string> = { 'Content-Type': opts.contentType };
    for (const [k, v] of Object.entries(opts.metadata ?? {})) headers[`x-amz-meta-${k.toLowerCase()}`] = v.replace(/[^\x20-\x7e]/g, '?');
    let value: ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer = body;
    if (body instanceof ReadableStream) {
      // workerd streams a body of known length (FixedLengthStream); elsewhere it is read into memory
      value =
        opts.length !== undefined && typeof FixedLengthStream !== 'undefined'
          ? body.pipeThrough(new FixedLengthStream(opts.length))
          : await new Response(body).arrayBuffer();
    }
    const res = await this.call('PutObject', this.url(key), { method: 'PUT', headers, body: value }, TRANSFER_TIMEOUT_MS);
    if (!res.ok) throw await this.failure('PutObject', res);
    await res.body?.cancel();
  }

  async delete(key: string): Promise<void> {
    const res = await this.call('DeleteObject', this.url(key), { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw await this.failure('DeleteObject', res);
    await res.body?.cancel();
  }

  /**
   * ListObjectsV2 (`GET <endpoint>/<bucket>?list-type=2&prefix=P`) page by page, then DeleteObject per key.
   * A store without listing (301/403/404/405/501, or an answer without ListBucketResult: nginx WebDAV) → 0.
   */
  async deletePrefix(prefix: string): Promise<number> {
    let n = 0;
    let token: string | null = null;
    do {
      const u = new URL(`${this.cfg.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(this.cfg.bucket)}`);
      u.searchParams.set('list-type', '2');
      u.searchParams.set('prefix', prefix);
      if (token) u.searchParams.set('continuation-token', token);
      const res = await this.call('ListObjectsV2', u.toString(), { method: 'GET' });
      if ([301, 403, 404, 405, 501].includes(res.status)) {
        await res.body?.cancel();
        return n;
      }
      if (!res.ok) throw await this.failure('ListObjectsV2', res);
      const xml = await res.text();
      if (!xml.includes('<ListBucketResult')) return n;
      const keys = [...xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlText(`<K>${m[1]}</K>`, 'K') ?? m[1]);
      for (const k of keys) await this.delete(k);
      n += keys.length;
      token = xmlText(xml, 'IsTruncated') === 'true' ? xmlText(xml, 'NextContinuationToken') : null;
    } while (token);
    return n;
  }

  async createMultipart(key: string, contentType: string): Promise<string> {
    const res = await this.call('CreateMultipartUpload', this.url(key, { uploads: '' }), {
      method: 'POST',
      headers: { 'Content-Type': contentType },
    });
    if (!res.ok) {
      const err = await this.failure('CreateMultipartUpload', res);
      err.message += ' (a sink without multipart, e.g. nginx WebDAV, needs S3_MULTIPART = "off" / --s3-multipart off)';
      throw err;
    }
    const uploadId = xmlText(await res.text(), 'UploadId');
    if (!uploadId) throw new HttpError('STORAGE_ERROR', 'object store answered CreateMultipartUpload without an UploadId', { operation: 'CreateMultipartUpload' });
    return uploadId;
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    const body =
      '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      parts.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${xmlEscape(p.etag)}"</ETag></Part>`).join('') +
      '</CompleteMultipartUpload>';
    const res = await this.call('CompleteMultipartUpload', this.url(key, { uploadId }), {
      method: 'POST',
      headers: { 'Content-Type': 'application/xml' },
      body,
    });
    const text = await res.text();
    const code = xmlText(text, 'Code');
    if (res.ok && !text.includes('<Error>')) return;
    if (code && PART_ERRORS.has(code)) throw new PartsRejectedError(`${code}: ${xmlText(text, 'Message') ?? 'parts refused'}`);
    throw new HttpError('STORAGE_ERROR', `object store refused CompleteMultipartUpload: HTTP ${res.status}${code ? ` ${code}` : ''}`, {
      operation: 'CompleteMultipartUpload',
      store_status: res.status,
      ...(code ? { store_code: code } : {}),
    });
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    const res = await this.call('AbortMultipartUpload', this.url(key, { uploadId }), { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw await this.failure('AbortMultipartUpload', res);
    await res.body?.cancel();
  }
}
