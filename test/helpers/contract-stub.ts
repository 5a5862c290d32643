/**
 * A stub piximmo API for contract tests (issue 9 "the client rejects a 200 answer missing a field"): a
 * node:http server on 127.0.0.1 answering each `METHOD /path` (query ignored) from a route table of JSON
 * answers, with valid defaults for what a CLI run asks before its first file (GET /api/me, GET /api/orders,
 * the order's file list and stacks); unknown routes get SPEC's 404 error body. Tests replace a route's answer
 * with one that breaks the contract. Every request is logged. Loopback only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An answer: HTTP status and a JSON body (a string is sent as it is). */
export interface StubAnswer {
  status: number;
  body: unknown;
}

/** Computes the answer to one request from its parsed JSON body (undefined when it had none). */
export type StubRoute = (body: unknown) => StubAnswer;

export interface StubRequest {
  method: string;
  path: string;
  body: unknown;
  authorization?: string;
}

const ok = (body: unknown): StubRoute => () => ({ status: 200, body });

/** What a well-behaved server answers for alice, ORD-1, with nothing uploaded yet. */
export function defaultRoutes(): Record<string, StubRoute> {
  return {
    'GET /api/me': ok({ user_id: 'alice', name: 'Alice', quota: { bytes_used: 0, bytes_limit: 10 * 1024 ** 3 }, malware_scan: false }),
    'GET /api/orders': ok({ orders: [{ id: 'ORD-1', shootcode: 'SH123', file_count: 0 }] }),
    'GET /api/orders/ORD-1/files': ok({ files: [], next_cursor: null }),
    'GET /api/orders/ORD-1/stacks': ok({ stacks: [] }),
  };
}

export class ContractStub {
  readonly log: StubRequest[] = [];
  readonly routes: Record<string, StubRoute> = defaultRoutes();
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ContractStub> {
    let stub: ContractStub | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => stub!.answer(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    stub = new ContractStub(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return stub;
  }

  /** Requests seen for `METHOD /path`. */
  seen(route: string): StubRequest[] {
    return this.log.filter((r) => `${r.method} ${r.path}` === route);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private answer(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
    const path = (req.url ?? '/').replace(/\?.*$/, '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    this.log.push({ method: req.method ?? '', path, body, authorization: req.headers.authorization });
    const route = this.routes[`${req.method} ${path}`];
    const a: StubAnswer = route ? route(body) : { status: 404, body: { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` } } };
    const payload = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(payload);
  }
}
