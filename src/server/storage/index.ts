/**
 * The object store's types and the S3 settings shared by the S3 signer and the S3 store (the store is picked
 * in lib/services.ts). Throws Error when a needed setting is missing (misconfiguration fails loudly).
 */
import type { Env } from '../env.js';
import type { S3SignerConfig } from '../signers/s3.js';

export type { ByteRange, CompletedPart, ObjectBody, ObjectStore, PutOptions, StoredObject } from './types.js';
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
