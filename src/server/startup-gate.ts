/**
 * The local server's start-up gate (Worker side). Miniflare opens the port when it is constructed, but the
 * local server migrates and seeds the database after that (local/start.ts): a request in that window met a
 * database without tables or users — `piximmo login` right after `npm run server` answered 500, then "the
 * server does not accept this token". With `LOCAL_STARTUP_GATE` set (a random string per start; never in
 * production), requests wait until the runner opens the gate, then go on as if they had come in later.
 *
 * The runner opens it with `POST /__local/open` carrying header `x-piximmo-gate: <LOCAL_STARTUP_GATE>`
 * (dispatched by Miniflare, not over the network); nothing else answers there. A request that waited
 * GATE_WAIT_MS in vain gets 503 SERVER_STARTING with Retry-After. The state is the isolate's: the local
 * server runs the Worker in one isolate for its whole life.
 */
import type { Env } from './env.js';
import { HttpError, errorResponse } from './lib/errors.js';

/** Path of the runner's request that opens the gate. */
export const GATE_OPEN_PATH = '/__local/open';
/** Header carrying the gate's secret. */
export const GATE_HEADER = 'x-piximmo-gate';
/** How long a request waits for the gate, ms. */
export const GATE_WAIT_MS = 30_000;
/** How often a waiting request looks again, ms. */
const POLL_MS = 25;

let open = false;

/**
 * The gate in front of `next` (the app's fetch): without LOCAL_STARTUP_GATE, or once it is open, `next` at
 * once; the runner's open request → 204; otherwise waits (polling, GATE_WAIT_MS at most) — then `next`, or 503.
 */
export async function throughStartupGate(request: Request, env: Env, next: () => Response | Promise<Response>): Promise<Response> {
  const secret = env.LOCAL_STARTUP_GATE;
  if (!secret || open) return next();
  if (new URL(request.url).pathname === GATE_OPEN_PATH && request.method === 'POST' && request.headers.get(GATE_HEADER) === secret) {
    open = true;
    return new Response(null, { status: 204 });
  }
  for (let waited = 0; !open && waited < GATE_WAIT_MS; waited += POLL_MS) await new Promise((r) => setTimeout(r, POLL_MS));
  if (open) return next();
  return errorResponse(new HttpError('SERVER_STARTING', 'the local server is still starting (migrations, seed); retry in a moment', undefined, { 'Retry-After': '1' }));
}
