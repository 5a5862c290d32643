/**
 * ObjectStore over the Worker's R2 binding (`env.BUCKET`): R2 in production, Miniflare's emulated R2
 * locally (`--storage r2`, the default). R2 records the SHA-256 given at put (`put(…, {sha256})`, the
 * local upload route does that), which `head` reports; `hashByRead` covers multipart objects.
 */
import { computeSha256, recordedSha256 } from '../lib/object-hash.js';
import type { ByteRange, CompletedPart, ObjectBody, ObjectStore, PutOptions, StoredObject } from './types.js';
import { PartsRejectedError } from './types.js';

export class R2BindingStore implements ObjectStore {
  readonly kind = 'r2' as const;
  constructor(private readonly bucket: R2Bucket) {}

  async head(key: string): Promise<StoredObject | null> {
    const h = await this.bucket.head(key);
    return h ? { size: h.size, etag: h.httpEtag, sha256: recordedSha256(h), metadata: { ...h.customMetadata } } : null;
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | null> {
    if (range?.length === 0) {
      const h = await this.bucket.head(key);
      return h ? { body: new Response(new Uint8Array(0)).body as ReadableStream<Uint8Array>, length: 0, contentType: contentTypeOf(h), metadata: { ...h.customMetadata } } : null;
    }
    const o = await this.bucket.get(key, range ? { range: { offset: range.offset, length: range.length } } : undefined);
    if (!o) return null;
    const length = range ? Math.max(0, Math.min(range.length, o.size - range.offset)) : o.size;
    return { body: o.body, length, contentType: contentTypeOf(o), metadata: { ...o.customMetadata } };
  }

  async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer, opts: PutOptions): Promise<void> {
    // workerd's R2 put needs a stream of known length: an R2 body has one; another stream is given one
    const value =
      body instanceof ReadableStream && opts.length !== undefined && typeof FixedLengthStream !== 'undefined'
        ? body.pipeThrough(new FixedLengthStream(opts.length))
        : body;
    await this.bucket.put(key, value, { httpMetadata: { contentType: opts.contentType }, customMetadata: opts.metadata ?? {} });
  }

  hashByRead(key: string): Promise<string | null> {
    return computeSha256(this.bucket, key);
  }

  async delete(key: string): Promise<void> {
    await this.bucket.delete(key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    let n = 0;
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix, cursor, limit: 1000 });
      const keys = page.objects.map((o) => o.key);
      if (keys.length > 0) await this.bucket.delete(keys);
      n += keys.length;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return n;
  }

  async createMultipart(key: string, contentType: string, intentId: string): Promise<string> {
    const mpu = await this.bucket.createMultipartUpload(key, {
      httpMetadata: { contentType },
      customMetadata: { intent_id: intentId },
    });
    return mpu.uploadId;
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    try {
      await this.bucket.resumeMultipartUpload(key, uploadId).complete(parts);
    } catch (e) {
      throw new PartsRejectedError(e instanceof Error ? e.message : String(e));
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.bucket.resumeMultipartUpload(key, uploadId).abort();
    } catch {
      // already completed or aborted: aborting is idempotent
    }
  }
}

function contentTypeOf(o: R2Object): string {
  return o.httpMetadata?.contentType ?? 'application/octet-stream';
}
