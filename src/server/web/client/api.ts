/**
 * JSON calls to the piximmo API from the page, authenticated by the session cookie (same origin, so the
 * browser sends the page's Origin on writes — the server's CSRF check, lib/same-origin.ts).
 * `call` answers `{status, body, retryAfterS}` for every HTTP answer except 401, which throws SignInNeeded
 * after sending the browser to the sign-in page (seed 000: "401/403 bei intent … → Login anzeigen").
 * No answer at all → NetworkError; `signal` aborted → Cancelled.
 */
import { Cancelled, NetworkError, SignInNeeded } from './errors.js';

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: { code?: string; message?: string } };
  /** Seconds from `Retry-After` (429), else undefined. */
  retryAfterS?: number;
}

export interface Api {
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<ApiAnswer<T>>;
}

export function createApi(signInUrl: string): Api {
  let redirected = false;
  return {
    async call(method, path, body, signal) {
      let r: Response;
      try {
        r = await fetch(path, {
          method,
          credentials: 'same-origin',
          headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (e) {
        if (signal?.aborted) throw new Cancelled();
        throw new NetworkError(e instanceof Error ? e.message : String(e));
      }
      if (r.status === 401) {
        if (!redirected) {
          redirected = true;
          window.location.assign(signInUrl);
        }
        throw new SignInNeeded('session expired');
      }
      let parsed: unknown = {};
      const text = await r.text().catch(() => '');
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        // A non-JSON answer (a proxy's HTML page): 5xx-like, retried by the caller.
        if (r.status < 500) return { status: 502, body: { error: { code: 'BAD_RESPONSE', message: text.slice(0, 200) } } as never };
      }
      const ra = Number(r.headers.get('Retry-After'));
      return { status: r.status, body: (parsed ?? {}) as never, retryAfterS: Number.isFinite(ra) && ra > 0 ? ra : undefined };
    },
  };
}
