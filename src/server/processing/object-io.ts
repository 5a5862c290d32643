/**
 * Reading originals and reading/writing previews for processing, in either storage mode (env STORE):
 * "r2" — the BUCKET binding; "s3" — header-signed SigV4 GET/PUT to `<S3_ENDPOINT>/<S3_BUCKET>/<key>`
 * (the store routes in storage/ cover HEAD/DELETE/multipart only). Originals are only ever read here,
 * never written or deleted (SPEC v2: processing never touches the original).
 * Store failures throw TransientProcessingError (the job is retried); a missing object returns null.
 */
import { AwsClient } from 'aws4fetch';
import { readConfig, type Env } from '../env.js';
import { objectUrl } from '../signers/s3.js';
import { s3Settings } from '../storage/index.js';
import { TransientProcessingError } from './errors.js';

const TIMEOUT_MS = 60_000;

function s3(env: Env): { client: AwsClient; url: (key: string) => string } {
  const cfg = s3Settings(env);
  return {
    client: new AwsClient({ ...cfg, service: 's3', retries: 2 }),
    url: (key) => objectUrl(cfg.endpoint, cfg.bucket, key),
  };
}

const isS3 = (env: Env) => readConfig(env).store === 's3';

/** The object's body as a stream, or null when there is no such object. */
export async function openObject(env: Env, key: string): Promise<ReadableStream<Uint8Array> | null> {
  try {
    if (!isS3(env)) {
      const o = await env.BUCKET.get(key);
      return o ? o.body : null;
    }
    const { client, url } = s3(env);
    const res = await client.fetch(url(key), { method: 'GET', signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (res.status === 404) return null;
    if (!res.ok || !res.body) throw new Error(`GET ${key}: HTTP ${res.status}`);
    return res.body;
  } catch (e) {
    throw new TransientProcessingError('STORAGE_ERROR', `reading ${key}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The whole object, or null when there is no such object. */
export async function readObject(env: Env, key: string): Promise<Uint8Array | null> {
  const body = await openObject(env, key);
  if (!body) return null;
  try {
    return new Uint8Array(await new Response(body).arrayBuffer());
  } catch (e) {
    throw new TransientProcessingError('STORAGE_ERROR', `reading ${key}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Writes a preview object (JPEG) with its pixel size as metadata (R2 customMetadata / S3 x-amz-meta-*). */
export async function writePreview(env: Env, key: string, jpeg: Uint8Array, width: number, height: number): Promise<void> {
  try {
    if (!isS3(env)) {
      await env.BUCKET.put(key, jpeg, {
        httpMetadata: { contentType: 'image/jpeg' },
        customMetadata: { width: String(width), height: String(height) },
      });
      return;
    }
    const { client, url } = s3(env);
    const res = await client.fetch(url(key), {
      method: 'PUT',
      body: jpeg,
      headers: { 'content-type': 'image/jpeg', 'x-amz-meta-width': String(width), 'x-amz-meta-height': String(height) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`PUT ${key}: HTTP ${res.status}`);
  } catch (e) {
    throw new TransientProcessingError('STORAGE_ERROR', `writing ${key}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Pixel size of a stored preview (its metadata), or null when there is no such object. */
export async function headPreview(env: Env, key: string): Promise<{ width: number; height: number } | null> {
  if (!isS3(env)) {
    const o = await env.BUCKET.head(key);
    if (!o) return null;
    return { width: Number(o.customMetadata?.width ?? 0), height: Number(o.customMetadata?.height ?? 0) };
  }
  const { client, url } = s3(env);
  const res = await client.fetch(url(key), { method: 'HEAD', signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`HEAD ${key}: HTTP ${res.status}`);
  return { width: Number(res.headers.get('x-amz-meta-width') ?? 0), height: Number(res.headers.get('x-amz-meta-height') ?? 0) };
}
