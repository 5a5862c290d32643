/**
 * Per-request services (issue 9): the parsed configuration, the object store and the upload signer, made
 * once per request by one middleware (`provideServices`, registered for every route in app.ts) and read by
 * routes as `c.var.services` — no route builds its own. Each is made on first use
 * (a route that needs none pays nothing; the local signer throws without LOCAL_SIGNING_SECRET only when
 * asked for). `readConfig` throws Error on an unusable setting (env.ts): a misconfigured deployment fails loudly.
 * The one place that picks the backends by the settings (`makeStore`, `makeSigner`): a new storage backend is
 * its store and signer classes plus a line in each picker here (and its settings in env.ts); the Queue's
 * processing (processing/object-io.ts, scan/objects.ts) takes its store from `makeStore` too.
 */
import { createMiddleware } from 'hono/factory';
import { readConfig, type Env, type ServerConfig } from '../env.js';
import { LocalSigner } from '../signers/local.js';
import { S3Signer } from '../signers/s3.js';
import type { UploadSigner } from '../signers/types.js';
import { s3Settings, type ObjectStore } from '../storage/index.js';
import { R2BindingStore } from '../storage/r2.js';
import { S3HttpStore } from '../storage/s3.js';
import type { AppEnv } from './app-env.js';
import { requestOrigin } from './origin.js';

/** The ObjectStore named by `STORE` ("r2" | "s3"); throws Error when its settings are missing. */
export function makeStore(env: Env, cfg: ServerConfig): ObjectStore {
  return cfg.store === 's3' ? new S3HttpStore(s3Settings(env)) : new R2BindingStore(env.BUCKET);
}

/** The signer named by `SIGNER` ("local" | "s3"); throws Error when its settings are missing. */
export function makeSigner(env: Env, cfg: ServerConfig): UploadSigner {
  if (cfg.signer === 's3') return new S3Signer({ ...s3Settings(env), ifNoneMatch: cfg.s3IfNoneMatch });
  return new LocalSigner(env.LOCAL_SIGNING_SECRET ?? '');
}

export interface Services {
  /** The parsed settings (env.ts readConfig). */
  readonly cfg: ServerConfig;
  /** The configured ObjectStore (R2 binding or S3 HTTP). */
  readonly store: ObjectStore;
  /** The configured UploadSigner (local HMAC or S3 SigV4). */
  readonly signer: UploadSigner;
  /** Origin of the API request; local signer URLs point there (forwarded headers trusted for the local signer only). */
  readonly origin: string;
}

/** Services of one request to `env` (lazy store, signer and origin; see the file comment). */
export function servicesFor(env: Env, request: Request): Services {
  let cfg: ServerConfig | undefined;
  let store: ObjectStore | undefined;
  let signer: UploadSigner | undefined;
  return {
    get cfg() {
      cfg ??= readConfig(env);
      return cfg;
    },
    get store() {
      store ??= makeStore(env, this.cfg);
      return store;
    },
    get signer() {
      signer ??= makeSigner(env, this.cfg);
      return signer;
    },
    get origin() {
      return requestOrigin(request, this.cfg.signer === 'local');
    },
  };
}

/** Sets `c.var.services` for the rest of the request. */
export const provideServices = createMiddleware<AppEnv>(async (c, next) => {
  c.set('services', servicesFor(c.env, c.req.raw));
  await next();
});
