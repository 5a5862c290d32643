/**
 * "Offline is a state, not a failure" (SPEC, CLI rules added in v2): when the API or the storage cannot be
 * reached at all — DNS, connect refused, no route — the CLI says "offline, waiting…" and waits with backoff,
 * `upload` up to `--offline-wait` (default 10 minutes), `watch` without limit, then carries on. These waits
 * are not counted as retries. What counts as unreachable and how long each wait is are recovery.ts's rules
 * (`isUnreachable`, the "wait for the network" action); the gate keeps the state of one spell.
 *
 * One gate per engine: every request that finds the network unreachable waits through it, and the gate
 * tells its listener once when the state flips (offline → online and back), not once per request.
 */

/** The default of `upload --offline-wait` (SPEC: 10 minutes), ms — a budget, so it lives in transfer-config.ts. */
export { DEFAULT_OFFLINE_WAIT_MS } from './transfer-config.js';

export interface OfflineGateOptions {
  /** How long one offline spell may last before requests fail as usual, ms; Infinity = wait forever (watch). */
  maxWaitMs: number;
  now?: () => number;
  /**
   * Told when the state flips: `offline` true with the time it began (ms since epoch) and what the first
   * unreachable request met, false when back.
   */
  onChange?: (offline: boolean, sinceMs: number, reason?: Unreachable) => void;
}

/** What made a request find its host unreachable: the transport code (ENOTFOUND, ECONNREFUSED, …) and `host:port`. */
export interface Unreachable {
  code: string;
  host?: string;
}

export class OfflineGate {
  private since?: number;

  constructor(private readonly opts: OfflineGateOptions) {}

  get offline(): boolean {
    return this.since !== undefined;
  }

  /**
   * A request found the host unreachable. Returns how long this offline spell may still last, ms (Infinity for
   * watch) — or undefined when it has lasted `maxWaitMs` (the request then fails as a network error).
   */
  unreachable(reason?: Unreachable): number | undefined {
    const now = (this.opts.now ?? Date.now)();
    if (this.since === undefined) {
      this.since = now;
      this.opts.onChange?.(true, now, reason);
    }
    const left = this.opts.maxWaitMs - (now - this.since);
    return left > 0 ? left : undefined;
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
