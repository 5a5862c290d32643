/**
 * src/api/warm-sockets.ts — upload connections opened ahead (issue 15, far link). Real sockets and the real
 * undici pool (createAgent with the hook): a server that counts its connections shows that requests use
 * the warm ones instead of opening their own, that a warm socket still connecting is waited for, that one
 * the server closed while it waited is not used (a new connection is), and that unused ones are closed
 * after their idle time and at close().
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, send } from '../../src/api/http.js';
import { proxyConfigured, WarmSockets } from '../../src/api/warm-sockets.js';
import type { Dispatcher } from '../../src/api/undici-core.js';
import { waitFor } from '../helpers/cli.js';

let server: Server;
let origin = '';
const open = new Set<Socket>();
let accepted = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.on('connection', (s: Socket) => {
    accepted++;
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let agents: Dispatcher[] = [];
afterEach(async () => {
  await Promise.all(agents.map((a) => a.close()));
  agents = [];
});

function pool(warm: WarmSockets): Dispatcher {
  const a = createAgent(warm.connect);
  agents.push(a);
  return a;
}

const put = (dispatcher: Dispatcher, i: number) =>
  send({ method: 'PUT', url: `${origin}/upload/${i}`, body: 'x'.repeat(1000), headers: { 'content-type': 'image/jpeg' }, operation: 'PUT', dispatcher });

describe('WarmSockets', () => {
  it('requests use the connections opened ahead: 4 warm, 4 PUTs at once, no connection of their own', async () => {
    const warm = new WarmSockets();
    const agent = pool(warm);
    const before = accepted;
    warm.warm(origin, 4);
    expect(await waitFor(() => accepted - before === 4, 3000)).toBe(true);
    expect(warm.waiting).toBe(4);
    const answers = await Promise.all([0, 1, 2, 3].map((i) => put(agent, i)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(accepted - before).toBe(4);
    expect(warm.waiting).toBe(0);
    warm.close();
  });

  it('a request while the warm connection is still connecting waits for it rather than opening another', async () => {
    const warm = new WarmSockets();
    const agent = pool(warm);
    const before = accepted;
    warm.warm(origin, 1);
    const a = await put(agent, 1); // asked at once: the warm connect has not finished yet
    expect(a.status).toBe(200);
    expect(accepted - before).toBe(1);
  });

  it('a warm socket the server closed while it waited is not used: the request opens a new one and succeeds', async () => {
    const warm = new WarmSockets();
    const agent = pool(warm);
    const before = accepted;
    warm.warm(origin, 1);
    expect(await waitFor(() => accepted - before === 1, 3000)).toBe(true);
    for (const s of open) s.destroy(); // the server drops every connection (a keep-alive timeout, a restart)
    await new Promise((r) => setTimeout(r, 50));
    const a = await put(agent, 2);
    expect(a.status).toBe(200);
    expect(accepted - before).toBe(2);
  });

  it('unused warm sockets are closed after their idle time, and at close(); nothing is warmed after close()', async () => {
    const warm = new WarmSockets(100);
    const before = accepted;
    warm.warm(origin, 2);
    expect(await waitFor(() => accepted - before === 2, 3000)).toBe(true);
    const mine = [...open];
    expect(await waitFor(() => warm.waiting === 0, 2000)).toBe(true);
    expect(await waitFor(() => mine.every((s) => s.destroyed || !open.has(s)), 2000)).toBe(true);
    const w2 = new WarmSockets();
    w2.warm(origin, 1);
    expect(await waitFor(() => accepted - before === 3, 3000)).toBe(true);
    w2.close();
    expect(w2.waiting).toBe(0);
    w2.warm(origin, 1);
    expect(w2.waiting).toBe(0);
  });

  it('ignores what it cannot warm: a bad origin, another scheme, a count of 0; a refused connect falls back', async () => {
    const warm = new WarmSockets();
    for (const o of ['not a url', 'ftp://127.0.0.1:21', origin]) warm.warm(o, o === origin ? 0 : 2);
    expect(warm.waiting).toBe(0);
    const dead = new WarmSockets();
    dead.warm('http://127.0.0.1:9', 1); // discard port: refused
    const agent = pool(dead);
    const a = await put(agent, 3); // another origin: not served by the dead entry
    expect(a.status).toBe(200);
    dead.close();
  });

  it('proxyConfigured: any of the four proxy variables', () => {
    expect(proxyConfigured({})).toBe(false);
    expect(proxyConfigured({ NO_PROXY: '*' })).toBe(false);
    for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) expect(proxyConfigured({ [k]: 'http://p:3128' })).toBe(true);
  });
});
