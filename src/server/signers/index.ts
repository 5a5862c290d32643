/** Picks the signer named by `SIGNER` ("local" | "s3"); throws Error when its settings are missing. */
import type { Env, ServerConfig } from '../env.js';
import { LocalSigner } from './local.js';
import { S3Signer } from './s3.js';
import type { UploadSigner } from './types.js';

export function makeSigner(env: Env, cfg: ServerConfig): UploadSigner {
  if (cfg.signer === 's3') {
    return new S3Signer({
      endpoint: env.S3_ENDPOINT ?? '',
      bucket: env.S3_BUCKET ?? '',
      region: env.S3_REGION || 'auto',
      accessKeyId: env.S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '',
    });
  }
  return new LocalSigner(env.LOCAL_SIGNING_SECRET ?? '');
}
