/**
 * ObjectStore over the Worker's R2 binding (`env.BUCKET`): R2 in production, Miniflare's emulated R2
 * locally (`--storage r2`, the default). R2 records the SHA-256 given at put (`put(…, {sha256})`, the
 * local upload route does that), which `head` reports; `hashByRead` covers multipart objects.
 */
import { computeSha256, recordedSha256 } from '../lib/object-hash.js';
import { PartsRejectedError, type CompletedPart, type ObjectStore, type StoredObject } from './types.js';

export class R2BindingStore implements ObjectStore {
  readonly kind = 'r2' as const;
  constructor(private readonly bucket: R2Bucket) {}

  async head(key: string): Promise<StoredObject | null> {
    const h = await this.bucket.head(key);
    return h ? { size: h.size, etag: h.httpEtag, sha256: recordedSha256(h) } : null;
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
