/** Hono environment of the app: bindings (`c.env`) and per-request variables (`c.var`). */
import type { Env } from '../env.js';
import type { UserRow } from '../db/users.js';
import type { Services } from './services.js';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Set by requireAuth. */
    user: UserRow;
    /** SHA-256 hex of the credential used (for logout). */
    tokenHash: string;
    /** Config, store and signer of this request (lib/services.ts, set for every route in app.ts). */
    services: Services;
  };
}
