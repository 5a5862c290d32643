/**
 * Reading originals and reading/writing previews for processing, through the configured ObjectStore
 * (`makeStore`, lib/services.ts: the R2 binding or signed S3 requests — no storage switch here; issue 9).
 * Originals are only ever read here, never written or deleted (SPEC v2: processing never touches the original).
 * Store failures throw TransientProcessingError STORAGE_ERROR (the job is retried); a missing object returns null.
 */
import { readConfig, type Env } from '../env.js';
import { makeStore } from '../lib/services.js';
import type { ObjectStore } from '../storage/index.js';
import { TransientProcessingError } from './errors.js';

const storeOf = (env: Env): ObjectStore => makeStore(env, readConfig(env));

const detail = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The object's body as a stream, or null when there is no such object. */
export async function openObject(env: Env, key: string): Promise<ReadableStream<Uint8Array> | null> {
  try {
    return (await storeOf(env).get(key))?.body ?? null;
  } catch (e) {
    throw new TransientProcessingError('STORAGE_ERROR', `reading ${key}: ${detail(e)}`);
  }
}

/** The whole object, or null when there is no such object. */
export async function readObject(env: Env, key: string): Promise<Uint8Array | null> {
  const body = await openObject(env, key);
  if (!body) return null;
  try {
    return new Uint8Array(await new Response(body).arrayBuffer());
  } catch (e) {
    throw new TransientProcessingError('STORAGE_ERROR', `reading ${key}: ${detail(e)}`);
  }
}

/** Writes a preview object (JPEG) with its pixel size as metadata `{width, height}` (R2 customMetadata / S3 x-amz-meta-*). */
export async function writePreview(env: Env, key: string, jpeg: Uint8Array, width: number, height: number): Promise<void> {
  try {
    await storeOf(env).put(key, jpeg, { contentType: 'image/jpeg', metadata: { width: String(width), height: String(height) } });
  } catch (e) {
    throw new TransientProcessingError('STORAGE_ERROR', `writing ${key}: ${detail(e)}`);
  }
}

/** Pixel size of a stored preview (its metadata; 0 when absent), or null when there is no such object. */
export async function headPreview(env: Env, key: string): Promise<{ width: number; height: number } | null> {
  const o = await storeOf(env).head(key);
  if (!o) return null;
  return { width: Number(o.metadata.width ?? 0), height: Number(o.metadata.height ?? 0) };
}
