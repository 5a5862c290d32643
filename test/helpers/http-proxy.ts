/**
 * A small forward proxy for tests, as hotel and agency networks have (issue 14): plain-HTTP forwarding of
 * absolute-form requests (`GET http://host:port/path HTTP/1.1`) and `CONNECT host:port` tunnels. It logs
 * every request it handled, so a test can prove the traffic went through it. Loopback only.
 * `refuseConnect`: answer CONNECT with 502 instead of tunnelling (for targets that do not exist).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface ProxyHit {
  /** 'forward': absolute-form HTTP request; 'connect': CONNECT tunnel. */
  kind: 'forward' | 'connect';
  method: string;
  /** Absolute URL (forward) or host:port (connect). */
  target: string;
  /** Upstream status for forwards; 200 (tunnel open) or 502 for CONNECT. */
  status: number;
}

export interface TestProxy {
  /** "http://127.0.0.1:PORT" */
  url: string;
  hits: ProxyHit[];
  close(): Promise<void>;
}

export async function startHttpProxy(opts: { refuseConnect?: boolean } = {}): Promise<TestProxy> {
  const hits: ProxyHit[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const target = req.url ?? '';
    if (!/^http:\/\//.test(target)) {
      res.writeHead(400).end('absolute-form URL expected');
      return;
    }
    const hit: ProxyHit = { kind: 'forward', method: req.method ?? '', target, status: 0 };
    hits.push(hit);
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const up = http.request(target, { method: req.method, headers }, (upRes) => {
      hit.status = upRes.statusCode ?? 0;
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      hit.status = 502;
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    const hit: ProxyHit = { kind: 'connect', method: 'CONNECT', target, status: 0 };
    hits.push(hit);
    const m = /^(.+):(\d+)$/.exec(target);
    if (opts.refuseConnect || !m) {
      hit.status = 502;
      client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const up = net.connect(Number(m[2]), m[1].replace(/^\[|\]$/g, ''), () => {
      hit.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
