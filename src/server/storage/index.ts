/**
 * Picks the ObjectStore named by `STORE` ("r2" | "s3") and builds the S3 settings shared by the S3
 * signer and the S3 store. Throws Error when a needed setting is missing (misconfiguration fails loudly).
 */
import type { Env, ServerConfig } from '../env.js';
import type { S3SignerConfig } from '../signers/s3.js';
import { R2BindingStore } from './r2.js';
import { S3HttpStore } from './s3.js';
import type { ObjectStore } from './types.js';

export type { CompletedPart, ObjectStore, StoredObject } from './types.js';
export { PartsRejectedError } from './types.js';

/** S3 endpoint, bucket, region (default "auto", R2's) and credentials from the vars; throws when one is missing. */
export function s3Settings(env: Env): S3SignerConfig {
  const cfg: S3SignerConfig = {
    endpoint: env.S3_ENDPOINT ?? '',
    bucket: env.S3_BUCKET ?? '',
    region: env.S3_REGION || 'auto',
    accessKeyId: env.S3_ACCESS_KEY_ID ?? '',
    secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '',
  };
  for (const k of ['endpoint', 'bucket', 'accessKeyId', 'secretAccessKey'] as const) {
    if (!cfg[k]) throw new Error(`S3 settings: ${k} is not set`);
  }
  return cfg;
}

export function makeStore(env: Env, cfg: ServerConfig): ObjectStore {
  return cfg.store === 's3' ? new S3HttpStore(s3Settings(env)) : new R2BindingStore(env.BUCKET);
}
