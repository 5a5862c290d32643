/**
 * undici's dispatcher API without undici's index (issue 15: start-up before the first request).
 *
 * `import 'undici'` also loads fetch, WebSocket, EventSource, the caches, the mocks and the cookie helpers. The
 * cookie helpers read `globalThis.Headers`, which makes Node load its own copy of undici as well. Measured on
 * this machine, with undici bundled into the CLI: about 30 ms and 8 MB more before a command's first request,
 * on every run.
 *
 * The CLI uses two things: `EnvHttpProxyAgent` (its keep-alive pool, honouring the proxy variables) and
 * undici's `request()`. Both are loaded from their own files, and the dispatchers get their API methods
 * (`request`, `connect`, …) as undici's index.js gives them: `Object.assign(Dispatcher.prototype, api)`. The
 * proxy agent needs that too: it opens its CONNECT tunnel with `client.connect()`.
 * undici has no "exports" map, so these paths are public to Node's resolver. package-lock pins the version,
 * and a file that moves fails the build, not a run. test/e2e/proxy.test.ts runs the tunnel end to end.
 */
import type { Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentClass } from 'undici';
// @ts-expect-error undici ships types for its index only; these are the files behind its exports.
import api from 'undici/lib/api/index.js';
// @ts-expect-error as above
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
// @ts-expect-error as above
import EnvHttpProxyAgentImpl from 'undici/lib/dispatcher/env-http-proxy-agent.js';

Object.assign((DispatcherClass as { prototype: object }).prototype, api);

export type { Dispatcher } from 'undici';

/** undici's EnvHttpProxyAgent class (undici/index.js exports the same). */
export const EnvHttpProxyAgent: typeof EnvHttpProxyAgentClass = EnvHttpProxyAgentImpl;

/** The options of {@link request}: undici's request options with the pool to send through. */
export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { dispatcher: Dispatcher };

/**
 * undici's `request(url, opts)`, as its index.js builds it (`makeDispatcher(api.request)`): the absolute `url` is
 * split into origin and path (with its query), and the request goes through `opts.dispatcher`.
 * Rejects as undici does (network errors with `code`/`cause`; an invalid URL is a TypeError).
 */
export function request(url: string, opts: RequestOptions): Promise<Dispatcher.ResponseData> {
  const u = new URL(url);
  const { dispatcher, ...rest } = opts;
  return dispatcher.request({ ...rest, origin: u.origin, path: u.search ? `${u.pathname}${u.search}` : u.pathname });
}
