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
 * The very first connection, to the API, can start even earlier: {@link warmEarly} (cli/early-connect.ts, from
 * main() before the command's modules load) opens it while the CLI loads, and the first WarmSockets made
 * (the run's API client) adopts it, so `GET /api/me` finds its connection made.
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

let sharedConnector: Connector | undefined;
/** One connector for the process (one TLS session cache: a warm socket's session serves the later ones). */
function defaultConnector(): Connector {
  sharedConnector ??= makeConnector({ timeout: CONNECT_TIMEOUT_MS });
  return sharedConnector;
}

/** The connection warmEarly opened, until a WarmSockets adopts it. */
let early: { key: string; entry: WarmEntry; at: number } | undefined;
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
    this.base = base ?? defaultConnector();
    if (early && !base) {
      const { key, entry, at } = early;
      early = undefined;
      clearTimeout(entry.timer);
      this.idle.set(key, [entry]);
      entry.timer = setTimeout(() => this.expire(key, entry), Math.max(0, at + this.idleMs - Date.now()));
      entry.timer.unref();
    }
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
        socket.ref(); // an early socket waited unref'd; undici only re-refs sockets it unref'd itself
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
    const url = httpUrl(origin);
    if (this.closed || count < 1 || !url) return;
    const key = originKey(url.protocol, url.hostname, url.port);
    const list = this.idle.get(key) ?? [];
    this.idle.set(key, list);
    for (let i = list.length; i < count; i++) {
      const entry: WarmEntry = { socket: openSocket(this.base, url) };
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

/**
 * Opens one connection to `origin` now, before any client exists (cli/early-connect.ts: while the CLI loads,
 * issue 15), for the first WarmSockets made to adopt. It does not keep the process alive, and is closed
 * after WARM_IDLE_MS if nobody adopts it. A bad origin or a second call does nothing.
 */
export function warmEarly(origin: string): void {
  const url = httpUrl(origin);
  if (early || !url) return;
  const entry: WarmEntry = { socket: openSocket(defaultConnector(), url, true) };
  const mine = { key: originKey(url.protocol, url.hostname, url.port), entry, at: Date.now() };
  early = mine;
  entry.timer = setTimeout(() => {
    if (early === mine) early = undefined;
    void entry.socket.then((socket) => socket?.destroy());
  }, WARM_IDLE_MS);
  entry.timer.unref();
}

/** `origin` as a URL when it is http: or https:, else undefined. */
function httpUrl(origin: string): URL | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** One connection through `connector`; resolves null when it fails. `unref`: it may not keep the process alive. */
function openSocket(connector: Connector, url: URL, unref = false): Promise<Socket | null> {
  return new Promise((resolve) => {
    const opts = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), host: url.host, port: url.port };
    // undici's connector returns the socket at once (its types say void): unref'd from the start, an early
    // connect to a host that does not answer cannot hold a finished command open for the connect timeout.
    const connecting = connector(opts, (err, socket) => {
      if (err || !socket) return resolve(null);
      socket.on('error', ignore);
      resolve(socket);
    }) as unknown as Socket | undefined;
    if (unref) connecting?.unref?.();
  });
}

/** Still connected, nothing received and nothing ended while it waited (a server's early close or bytes). */
function usable(socket: Socket): boolean {
  return !socket.destroyed && socket.readyState === 'open' && socket.readableLength === 0 && !socket.readableEnded;
}

function ignore(): void {}
