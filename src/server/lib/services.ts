/**
 * Per-request services (issue 9): the parsed configuration, the object store and the upload signer, made
 * once per request by one middleware (`provideServices`, registered for every route in app.ts) and read by
 * routes as `c.var.services` — no route builds its own. Each is made on first use
 * (a route that needs none pays nothing; the local signer throws without LOCAL_SIGNING_SECRET only when
 * asked for). `readConfig` throws Error on an unusable setting (env.ts): a misconfigured deployment fails loudly.
 */
import { createMiddleware } from 'hono/factory';
import { readConfig, type Env, type ServerConfig } from '../env.js';
import { makeSigner } from '../signers/index.js';
import type { UploadSigner } from '../signers/types.js';
import { makeStore, type ObjectStore } from '../storage/index.js';
import type { AppEnv } from './app-env.js';
import { requestOrigin } from './origin.js';

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
