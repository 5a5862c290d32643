/**
 * Upload connections opened ahead of the PUTs that will use them (issue 15, far link: a new connection costs
 * one round trip before its first byte — 80 ms on hotel Wi-Fi, 200 ms tethered, more with TLS — and a run
 * opens its whole first wave of PUT connections at once, right after its first intents came back).
 *
 * `GET /api/me` names the storage origin (`storage_origin`); while the run plans and asks for its first
 * intents, {@link WarmSockets.warm} opens that many connections with undici's own connector (same TLS
 * options, same session cache). The agent's `connect` hook ({@link WarmSockets.connect}) then hands a PUT's
 * new pool connection a warm socket — or one still connecting — before it opens another.
 *
 * Bounds: a warm socket nobody took within `idleMs` (default 4 s, below the common keep-alive timeouts, so
 * a server does not close it under us) is closed; a socket that closed, ended, errored or received bytes
 * while waiting is never handed out. Only for direct connections: with a proxy variable set, nothing is
 * warmed (the proxy agent connects through its tunnel, not through this hook).
 */
import type { Socket } from 'node:net';
// @ts-expect-error undici ships types for its index only; this is the file behind its `buildConnector`.
import buildConnectorImpl from 'undici/lib/core/connect.js';
import type { buildConnector } from 'undici';

type Connector = buildConnector.connector;
type ConnectOptions = buildConnector.Options;

/** undici's default connector builder (connect timeout ms; TLS session cache as the pool's own). */
const makeConnector: (o: { timeout: number }) => Connector = buildConnectorImpl;

/** undici's connect timeout, ms (its Client default). */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long a warm socket waits for its PUT before it is closed, ms. */
export const WARM_IDLE_MS = 4_000;

interface WarmEntry {
  /** Settles with the connected socket, or null when the connect failed or the socket went bad. */
  socket: Promise<Socket | null>;
  timer?: NodeJS.Timeout;
}

/** `https://[::1]:443` and undici's `{protocol: 'https:', hostname: '::1', port: ''}` give the same key. */
function originKey(protocol: string, hostname: string, port: string | number | undefined): string {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return `${protocol}//${host}:${port || (protocol === 'https:' ? 443 : 80)}`;
}

/** True when the environment names an HTTP(S) proxy (then the proxy agent connects, not this hook). */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'].some((k) => Boolean(env[k]));
}

export class WarmSockets {
  private readonly base: Connector;
  private readonly idle = new Map<string, WarmEntry[]>();
  private closed = false;

  constructor(
    private readonly idleMs = WARM_IDLE_MS,
    base?: Connector,
  ) {
    this.base = base ?? makeConnector({ timeout: CONNECT_TIMEOUT_MS });
  }

  /**
   * The agent's `connect` option: a warm socket for this origin if one is (or is being) opened, else a new
   * connection through undici's connector. A warm connect that fails falls back to a new one.
   */
  readonly connect: Connector = (opts: ConnectOptions, callback) => {
    const entry = this.take(originKey(opts.protocol, opts.hostname, opts.port));
    if (!entry) {
      this.base(opts, callback);
      return;
    }
    void entry.socket.then((socket) => {
      if (socket && usable(socket)) {
        socket.removeListener('error', ignore);
        callback(null, socket);
      } else {
        this.base(opts, callback);
      }
    });
  };

  /**
   * Opens `count` connections to `origin` (`scheme://host[:port]`) for the PUTs about to start. Invalid
   * origins, other schemes and a closed instance are ignored: warming is a hint, never an error.
   */
  warm(origin: string, count: number): void {
    if (this.closed || count < 1) return;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    const key = originKey(url.protocol, url.hostname, url.port);
    const list = this.idle.get(key) ?? [];
    this.idle.set(key, list);
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    for (let i = list.length; i < count; i++) {
      const entry: WarmEntry = {
        socket: new Promise((resolve) => {
          this.base({ protocol: url.protocol, hostname, host: url.host, port: url.port }, (err, socket) => {
            if (err || !socket) return resolve(null);
            socket.on('error', ignore);
            resolve(socket);
          });
        }),
      };
      entry.timer = setTimeout(() => this.expire(key, entry), this.idleMs);
      entry.timer.unref();
      list.push(entry);
    }
  }

  /** Warm sockets waiting for a PUT (diagnostics, tests). */
  get waiting(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Closes every warm socket nobody took; later `warm` calls do nothing. */
  close(): void {
    this.closed = true;
    for (const [key, list] of this.idle) for (const entry of [...list]) this.expire(key, entry);
  }

  private take(key: string): WarmEntry | undefined {
    const list = this.idle.get(key);
    const entry = list?.shift();
    if (entry?.timer) clearTimeout(entry.timer);
    return entry;
  }

  private expire(key: string, entry: WarmEntry): void {
    const list = this.idle.get(key);
    const i = list?.indexOf(entry) ?? -1;
    if (i < 0) return;
    list!.splice(i, 1);
    if (entry.timer) clearTimeout(entry.timer);
    void entry.socket.then((socket) => socket?.destroy());
  }
}

/** Still connected, nothing received and nothing ended while it waited (a server's early close or bytes). */
function usable(socket: Socket): boolean {
  return !socket.destroyed && socket.readyState === 'open' && socket.readableLength === 0 && !socket.readableEnded;
}

function ignore(): void {}
