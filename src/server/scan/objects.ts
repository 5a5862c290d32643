/**
 * What the scan step needs from the object store (issue 16): ranged reads for the scanner, and moving an
 * infected object out of its key into quarantine (`quarantine/<object_key>`, with the signature in its
 * metadata) so that no signed URL, download route or preview maker can reach it under the original key.
 *
 * One implementation over the ObjectStore (storage/ holds the R2 and S3 specifics; issue 9): ranged GET,
 * PUT, DELETE — no server-side copy, which WebDAV sinks lack.
 * Errors: a missing object is `null` from `size`; store failures throw (the queue retries the message).
 */
import type { Env, ServerConfig } from '../env.js';
import { makeStore } from '../lib/services.js';
import type { ObjectStore } from '../storage/index.js';

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

/**
 * ScanObjects over the configured ObjectStore (storage/: R2 binding or signed S3 requests). Quarantine is
 * GET → PUT `quarantine/<key>` (content type and metadata kept, `meta` added) → DELETE: no server-side
 * copy, which WebDAV sinks lack. A GET that finds nothing while the quarantine key exists means an earlier
 * attempt already moved it (idempotent). Store errors propagate (the queue retries the message).
 */
export class StoreScanObjects implements ScanObjects {
  constructor(private readonly store: ObjectStore) {}

  async size(key: string): Promise<number | null> {
    return (await this.store.head(key))?.size ?? null;
  }

  async open(key: string, offset: number, length: number): Promise<ReadableStream<Uint8Array> | Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const got = await this.store.get(key, { offset, length });
    if (!got) throw new Error(`object ${key} is gone`);
    return got.body;
  }

  async quarantine(key: string, meta: Record<string, string>): Promise<string> {
    const to = quarantineKey(key);
    const got = await this.store.get(key);
    if (!got) {
      if (await this.store.head(to)) return to; // moved by an earlier attempt
      throw new Error(`object ${key} is gone`);
    }
    await this.store.put(to, got.body, { contentType: got.contentType, metadata: { ...got.metadata, ...meta }, length: got.length ?? undefined });
    await this.store.delete(key);
    return to;
  }
}

/** The scan object access for the configured STORE (`makeStore`, lib/services.ts). */
export function makeScanObjects(env: Env, cfg: ServerConfig): ScanObjects {
  return new StoreScanObjects(makeStore(env, cfg));
}
