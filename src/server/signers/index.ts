/** Picks the signer named by `SIGNER` ("local" | "s3"); throws Error when its settings are missing. */
import type { Env, ServerConfig } from '../env.js';
import { s3Settings } from '../storage/index.js';
import { LocalSigner } from './local.js';
import { S3Signer } from './s3.js';
import type { UploadSigner } from './types.js';

export function makeSigner(env: Env, cfg: ServerConfig): UploadSigner {
  if (cfg.signer === 's3') return new S3Signer({ ...s3Settings(env), ifNoneMatch: cfg.s3IfNoneMatch });
  return new LocalSigner(env.LOCAL_SIGNING_SECRET ?? '');
}
