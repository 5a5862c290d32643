/**
 * A fault-injecting HTTP proxy for tests: sits between the CLI and the local server (signed URLs follow
 * the request's origin, so PUTs pass through it too) and, at a given rate, drops connections mid-body,
 * stalls, answers 5xx, expires upload URLs, or answers HTML / truncated JSON. It logs every request with
 * the bytes it forwarded, and decodes local upload tokens to know the object key and part number.
 * Loopback only; every loop is bounded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from '../../src/fixtures/jpeg.js';

/**
 * 'lost' (only chosen by `decide`): a PUT answered 200 by the proxy without reaching the server — the
 * object never arrives, so the finalize after it gets a real 409 OBJECT_MISSING.
 * 'answer-lost' (only chosen by `decide`): the request reaches the server whole and is processed; the
 * connection is cut once the server's answer is in, so the client never sees it.
 */
export type FaultKind = 'drop' | 'stall' | 'http-503' | 'expire' | 'html' | 'truncated-json' | 'lost' | 'answer-lost';

export interface ProxyLogEntry {
  method: string;
  /** 'intent' | 'finalize' | 'put' | 'api' */
  kind: string;
  path: string;
  fault?: FaultKind;
  /** Upstream status, or 0 when the proxy answered itself or cut the connection. */
  status: number;
  /** Request body bytes forwarded upstream. */
  bytesForwarded: number;
  objectKey?: string;
  part?: number;
}

export interface FaultProxyOptions {
  /** Probability (0..1) that a request gets a fault. */
  rate?: number;
  /** Faults to draw from; each applies only to requests it fits (PUT faults to PUTs, JSON faults to API calls). */
  kinds?: FaultKind[];
  /** How long a 'stall' holds the body, ms. */
  stallMs?: number;
  /** Limit on forwarded PUT bytes per second across all connections (undefined = no limit). */
  throttleBps?: number;
  seed?: number;
}

const PUT_FAULTS: FaultKind[] = ['drop', 'stall', 'http-503', 'expire'];
// Kinds are taken in turn (pickFault), the API's own kinds first: a run with few API faults still sees them.
const API_FAULTS: FaultKind[] = ['html', 'truncated-json', 'http-503', 'drop'];

export class FaultProxy {
  readonly log: ProxyLogEntry[] = [];
  opts: Required<Omit<FaultProxyOptions, 'throttleBps'>> & { throttleBps?: number };
  /** Called for every request before it is handled (e.g. to delete a file at the first intent). */
  onRequest?: (e: { method: string; kind: string; path: string }) => void;
  /**
   * Chooses the fault of one request deterministically (before the random draw, which it replaces when it
   * returns a kind or null = no fault; undefined = draw as usual). `objectKey`/`part` for PUTs.
   */
  decide?: (e: { method: string; kind: string; path: string; objectKey?: string; part?: number }) => FaultKind | null | undefined;
  /** Paths answered 404 NOT_FOUND as an older server without that route would (e.g. finalize-batch). */
  missingRoute?: (method: string, path: string) => boolean;
  /**
   * Rewrites the server's JSON answer to a request (e.g. an older server's finalize-batch answer, without
   * `closing_check`): return the change for (method, path), or undefined to pass the answer on as it is.
   */
  rewriteJson?: (method: string, path: string) => ((body: Record<string, unknown>) => unknown) | undefined;
  private rng: () => number;
  /** Faults injected so far per request group: the next one's kind (pickFault). */
  private readonly turn = { put: 0, api: 0 };
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });
  url = '';

  private constructor(private readonly target: URL, opts: FaultProxyOptions) {
    this.opts = { rate: 0, kinds: [...new Set([...PUT_FAULTS, ...API_FAULTS])], stallMs: 3000, seed: 1, ...opts };
    this.rng = mulberry32(this.opts.seed);
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(target: string, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
    const p = new FaultProxy(new URL(target), opts);
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    p.url = `http://127.0.0.1:${(p.server.address() as AddressInfo).port}`;
    return p;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    this.agent.destroy();
  }

  /** Sum of request bytes forwarded for PUTs that the server answered 2xx, per object key. */
  completedPutBytes(objectKey?: string): number {
    return this.log
      .filter((e) => e.kind === 'put' && e.status >= 200 && e.status < 300 && (!objectKey || e.objectKey === objectKey))
      .reduce((s, e) => s + e.bytesForwarded, 0);
  }

  private pickFault(kind: string): FaultKind | undefined {
    if (this.opts.rate <= 0 || this.rng() >= this.opts.rate) return undefined;
    const group = kind === 'put' ? 'put' : 'api';
    const fits = this.opts.kinds.filter((k) => (group === 'put' ? PUT_FAULTS : API_FAULTS).includes(k));
    if (fits.length === 0) return undefined;
    // Which requests get a fault is the seeded draw above; the kinds go in turn, so every kind that fits is
    // injected once there are as many faults as kinds (a random pick left kinds out when a run, batching
    // its API calls, made few API requests).
    return fits[this.turn[group]++ % fits.length];
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const kind =
      method === 'PUT' && path.startsWith('/upload/')
        ? 'put'
        : path.startsWith('/api/uploads/intent')
          ? 'intent'
          : path.startsWith('/api/uploads/finalize')
            ? 'finalize'
            : 'api';
    this.onRequest?.({ method, kind, path });
    const entry: ProxyLogEntry = { method, kind, path, status: 0, bytesForwarded: 0, ...decodeToken(path) };
    this.log.push(entry);
    if (this.missingRoute?.(method, path)) {
      req.resume();
      entry.status = 404;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route for ${method} ${path}` } }));
      return;
    }
    const decided = this.decide?.({ method, kind, path, objectKey: entry.objectKey, part: entry.part });
    const fault = decided === undefined ? this.pickFault(kind) : (decided ?? undefined);
    entry.fault = fault;

    if (fault === 'http-503') {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    if (fault === 'expire') {
      req.resume();
      res.writeHead(410, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'URL_EXPIRED', message: 'expired (injected)' } }));
      return;
    }
    if (fault === 'lost') {
      req.resume();
      req.on('end', () => res.writeHead(200, { etag: '"lost"' }).end());
      return;
    }
    if (fault === 'html') {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to Hotel Wi-Fi. Please log in.</body></html>');
      return;
    }

    const upstream = http.request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method,
        path,
        headers: req.headers, // Host stays the proxy's: the server signs URLs for the proxy's origin
        agent: this.agent,
      },
      (up) => {
        entry.status = up.statusCode ?? 0;
        if (fault === 'answer-lost') {
          up.resume();
          up.on('end', () => req.socket.destroy());
          return;
        }
        if (fault === 'truncated-json') {
          let body = '';
          up.setEncoding('utf8').on('data', (d: string) => (body += d));
          up.on('end', () => {
            res.writeHead(200, { 'content-type': 'application/json' }).end(body.slice(0, Math.max(1, Math.floor(body.length / 2))));
          });
          return;
        }
        const rewrite = up.statusCode === 200 ? this.rewriteJson?.(method, path) : undefined;
        if (rewrite) {
          let body = '';
          up.setEncoding('utf8').on('data', (d: string) => (body += d));
          up.on('end', () => {
            const out = JSON.stringify(rewrite(JSON.parse(body) as Record<string, unknown>));
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
          });
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    const total = Number(req.headers['content-length'] ?? 0);
    let forwarded = 0;
    let paused = false;
    req.on('data', (chunk: Buffer) => {
      if (paused) return;
      const half = total > 0 && forwarded + chunk.length >= total / 2;
      if (fault === 'drop' && half) {
        paused = true;
        upstream.destroy();
        req.socket.destroy(); // the connection is cut mid-body
        return;
      }
      if (fault === 'stall' && half) {
        paused = true;
        req.pause();
        setTimeout(() => {
          upstream.destroy();
          req.socket.destroy();
        }, this.opts.stallMs).unref();
        return;
      }
      forwarded += chunk.length;
      entry.bytesForwarded = forwarded;
      const ok = upstream.write(chunk);
      const delay = this.opts.throttleBps ? (chunk.length / this.opts.throttleBps) * 1000 : 0;
      if (!ok || delay > 0) {
        req.pause();
        // Resume once the upstream has drained (if it was full) and the throttle delay has passed.
        let waits = (ok ? 0 : 1) + (delay > 0 ? 1 : 0);
        const done = (): void => {
          if (--waits === 0 && !paused) req.resume();
        };
        if (!ok) upstream.once('drain', done);
        if (delay > 0) setTimeout(done, delay).unref();
      }
    });
    req.on('end', () => {
      if (!paused) upstream.end();
    });
    req.on('error', () => upstream.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  }
}

/** Local upload tokens are base64url(JSON{k, p?, …}).mac — the proxy reads key and part number. */
function decodeToken(path: string): { objectKey?: string; part?: number } {
  const m = /^\/upload\/([^./?]+)\./.exec(path);
  if (!m) return {};
  try {
    const p = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as { k?: string; p?: number };
    return { objectKey: p.k, part: p.p };
  } catch {
    return {};
  }
}
