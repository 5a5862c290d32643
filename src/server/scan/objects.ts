/**
 * What the scan step needs from the object store (issue 16): ranged reads for the scanner, and moving an
 * infected object out of its key into quarantine (`quarantine/<object_key>`, with the signature in its
 * metadata) so that no signed URL, download route or preview maker can reach it under the original key.
 *
 * Two implementations, as storage/ has: the R2 binding (production, Miniflare locally) and signed S3
 * requests (`STORE = "s3"`: GET with `Range`, PUT, DELETE — no server-side copy, which WebDAV sinks lack).
 * Errors: a missing object is `null` from `size`; store failures throw (the queue retries the message).
 */
import { AwsClient } from 'aws4fetch';
import type { Env, ServerConfig } from '../env.js';
import { objectUrl, type S3SignerConfig } from '../signers/s3.js';
import { s3Settings } from '../storage/index.js';

/** Prefix infected objects are moved under (SPEC v2: "an infected file is quarantined"). */
export const QUARANTINE_PREFIX = 'quarantine/';

/** The quarantine key of `objectKey`. */
export function quarantineKey(objectKey: string): string {
  return `${QUARANTINE_PREFIX}${objectKey}`;
}

export interface ScanObjects {
  /** Bytes of `key`, or null when there is no such object. */
  size(key: string): Promise<number | null>;
  /** `length` bytes of `key` from `offset`; throws when the object is gone. */
  open(key: string, offset: number, length: number): Promise<ReadableStream<Uint8Array> | Uint8Array>;
  /** Moves `key` to quarantineKey(key) with `meta` as custom metadata; returns the new key. Idempotent. */
  quarantine(key: string, meta: Record<string, string>): Promise<string>;
}

export class R2ScanObjects implements ScanObjects {
  constructor(private readonly bucket: R2Bucket) {}

  async size(key: string): Promise<number | null> {
    return (await this.bucket.head(key))?.size ?? null;
  }

  async open(key: string, offset: number, length: number): Promise<ReadableStream<Uint8Array> | Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const obj = await this.bucket.get(key, { range: { offset, length } });
    if (!obj) throw new Error(`object ${key} is gone`);
    return obj.body;
  }

  async quarantine(key: string, meta: Record<string, string>): Promise<string> {
    const to = quarantineKey(key);
    const obj = await this.bucket.get(key);
    if (!obj) {
      if (await this.bucket.head(to)) return to; // moved by an earlier attempt
      throw new Error(`object ${key} is gone`);
    }
    await this.bucket.put(to, obj.body, { httpMetadata: obj.httpMetadata, customMetadata: { ...obj.customMetadata, ...meta } });
    await this.bucket.delete(key);
    return to;
  }
}

/** Milliseconds one S3 request may take. */
const S3_TIMEOUT_MS = 60_000;

export class S3ScanObjects implements ScanObjects {
  private readonly client: AwsClient;
  constructor(private readonly cfg: S3SignerConfig) {
    this.client = new AwsClient({ ...cfg, service: 's3', retries: 2 });
  }

  private req(key: string, init: RequestInit): Promise<Response> {
    return this.client.fetch(objectUrl(this.cfg.endpoint, this.cfg.bucket, key), { ...init, signal: AbortSignal.timeout(S3_TIMEOUT_MS) });
  }

  async size(key: string): Promise<number | null> {
    const res = await this.req(key, { method: 'HEAD' });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`HEAD ${key}: HTTP ${res.status}`);
    return Number(res.headers.get('content-length'));
  }

  async open(key: string, offset: number, length: number): Promise<ReadableStream<Uint8Array> | Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const res = await this.req(key, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
    if (!res.ok || !res.body) throw new Error(`GET ${key} bytes ${offset}+${length}: HTTP ${res.status}`);
    if (res.status === 200 && (offset > 0 || Number(res.headers.get('content-length')) !== length)) {
      // a store that ignores Range: read the whole body and cut the window out
      const all = new Uint8Array(await res.arrayBuffer());
      return all.subarray(offset, offset + length);
    }
    return res.body as ReadableStream<Uint8Array>;
  }

  async quarantine(key: string, meta: Record<string, string>): Promise<string> {
    const to = quarantineKey(key);
    const res = await this.req(key, {});
    if (res.status === 404) {
      await res.body?.cancel();
      if ((await this.size(to)) !== null) return to;
      throw new Error(`object ${key} is gone`);
    }
    if (!res.ok) throw new Error(`GET ${key}: HTTP ${res.status}`);
    const headers: Record<string, string> = { 'Content-Type': res.headers.get('content-type') ?? 'application/octet-stream' };
    for (const [k, v] of Object.entries(meta)) headers[`x-amz-meta-${k.toLowerCase()}`] = v.replace(/[^\x20-\x7e]/g, '?');
    const len = Number(res.headers.get('content-length'));
    // workerd streams a body of known length (FixedLengthStream); elsewhere it is read into memory
    const body =
      res.body && Number.isSafeInteger(len) && typeof FixedLengthStream !== 'undefined'
        ? res.body.pipeThrough(new FixedLengthStream(len))
        : await res.arrayBuffer();
    const put = await this.req(to, { method: 'PUT', headers, body });
    if (!put.ok) throw new Error(`PUT ${to}: HTTP ${put.status}`);
    const del = await this.req(key, { method: 'DELETE' });
    if (!del.ok && del.status !== 404) throw new Error(`DELETE ${key}: HTTP ${del.status}`);
    return to;
  }
}

/** The scan object access for the configured STORE. */
export function makeScanObjects(env: Env, cfg: ServerConfig): ScanObjects {
  return cfg.store === 's3' ? new S3ScanObjects(s3Settings(env)) : new R2ScanObjects(env.BUCKET);
}
