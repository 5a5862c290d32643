/**
 * "Offline is a state, not a failure" (SPEC, CLI rules added in v2): when the API or the storage cannot be
 * reached at all — DNS, connect refused, no route — the CLI says "offline, waiting…" and waits with backoff,
 * `upload` up to `--offline-wait` (default 10 minutes), `watch` without limit, then carries on. These waits
 * are not counted as retries (withRetry asks the gate before it counts a try).
 *
 * One gate per engine: every request that finds the network unreachable waits through it, and the gate
 * tells its listener once when the state flips (offline → online and back), not once per request.
 */
import { isApiError } from '../../api/errors.js';

/**
 * Transport codes that mean "cannot reach the host at all" (as opposed to a connection cut mid-request,
 * ECONNRESET, which stays an ordinary transient error and counts as a try).
 */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True for an ApiError of kind 'network' whose code says the host could not be reached (see UNREACHABLE_CODES). */
export function isUnreachable(err: unknown): boolean {
  return isApiError(err) && err.kind === 'network' && UNREACHABLE_CODES.has(err.code);
}

/** The default of `upload --offline-wait` (SPEC: 10 minutes), ms. */
export const DEFAULT_OFFLINE_WAIT_MS = 10 * 60_000;

export interface OfflineGateOptions {
  /** How long one offline spell may last before requests fail as usual, ms; Infinity = wait forever (watch). */
  maxWaitMs: number;
  /** First wait between tries while offline, ms (default 1000); doubles per try of one request … */
  baseMs?: number;
  /** … up to this, ms (default 10 000): the CLI notices the API's return within this time. */
  capMs?: number;
  now?: () => number;
  /** Told when the state flips: `offline` true with the time it began (ms since epoch), false when back. */
  onChange?: (offline: boolean, sinceMs: number) => void;
}

export class OfflineGate {
  private since?: number;

  constructor(private readonly opts: OfflineGateOptions) {}

  get offline(): boolean {
    return this.since !== undefined;
  }

  /**
   * A request found the host unreachable (its `tries`-th time in a row, 0-based). Returns how long to wait
   * before trying again, ms — or undefined when this offline spell has lasted longer than `maxWaitMs`
   * (the caller then fails the request as a network error).
   */
  unreachable(tries: number): number | undefined {
    const now = (this.opts.now ?? Date.now)();
    if (this.since === undefined) {
      this.since = now;
      this.opts.onChange?.(true, now);
    }
    if (now - this.since >= this.opts.maxWaitMs) return undefined;
    const base = this.opts.baseMs ?? 1000;
    const cap = this.opts.capMs ?? 10_000;
    const wait = Math.min(cap, base * 2 ** Math.min(tries, 20));
    // Half fixed, half jitter: requests waiting together do not all knock at the same instant.
    const jittered = Math.floor(wait / 2 + Math.random() * (wait / 2));
    return Math.min(jittered, Math.max(0, this.opts.maxWaitMs - (now - this.since)));
  }

  /** Any answer from the host (even an HTTP error) means it is reachable again. */
  reachable(): void {
    if (this.since === undefined) return;
    const since = this.since;
    this.since = undefined;
    this.opts.onChange?.(false, since);
  }
}

/** `--offline-wait` / PIXIMMO_OFFLINE_WAIT: "10m", "90s", "1h" or plain seconds → ms; undefined when not given. */
export function parseOfflineWait(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(raw.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}
