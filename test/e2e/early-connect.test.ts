/**
 * src/cli/early-connect.ts + api/warm-sockets.ts `warmEarly` (issue 15, far link): the API connection opened
 * while the CLI loads. In process: which commands connect early and to which API (flag > env > default), and
 * that the run's client adopts the socket (no second connection for its first request). Through the real CLI
 * (bin/piximmo.js): a command that fails before any request does not wait for an early connection to a host
 * that never answers, and nothing is sent on a connection nobody used.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionFromArgv } from '../../src/cli/main.js';
import { connectEarly } from '../../src/cli/early-connect.js';
import { WarmSockets } from '../../src/api/warm-sockets.js';
import { createAgent, send } from '../../src/api/http.js';
import { binPath, waitFor } from '../helpers/cli.js';

/** A plain TCP server answering every HTTP request with 200 and counting connections and received bytes. */
let server: Server;
let port = 0;
let accepted = 0;
let received = 0;
beforeAll(async () => {
  server = createServer((s: Socket) => {
    accepted++;
    s.on('data', (d) => {
      received += d.length;
      if (d.includes('\r\n\r\n')) s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('connectEarly', () => {
  it('reads options from raw argv: "--name value" and "--name=value", the first wins', () => {
    expect(optionFromArgv(['node', 'p', 'upload', '--api-url', 'http://a:1', '--api-url=http://b:2'], '--api-url')).toBe('http://a:1');
    expect(optionFromArgv(['node', 'p', '--api-url=http://b:2'], '--api-url')).toBe('http://b:2');
    expect(optionFromArgv(['node', 'p', 'upload'], '--api-url')).toBeUndefined();
  });

  it('upload connects to the API (--api-url over PIXIMMO_API_URL) and the first client adopts the socket', async () => {
    const env = { PIXIMMO_API_URL: 'http://127.0.0.1:9' };
    const before = accepted;
    const argv = ['node', 'piximmo', 'upload', 'shoot', '--order', 'O', '--api-url', `http://127.0.0.1:${port}`];
    connectEarly(argv, optionFromArgv(argv, '--api-url'), env);
    expect(await waitFor(() => accepted - before === 1, 3000)).toBe(true);
    const warm = new WarmSockets();
    expect(warm.waiting).toBe(1);
    const agent = createAgent(warm.connect);
    const a = await send({ method: 'GET', url: `http://127.0.0.1:${port}/api/me`, operation: 'GET /api/me', dispatcher: agent });
    expect(a.status).toBe(200);
    expect(accepted - before).toBe(1); // the request went out on the early connection
    await agent.close();
    warm.close();
  });

  it('nothing for other commands, --dry-run, or behind a proxy', async () => {
    const before = accepted;
    const env = { PIXIMMO_API_URL: `http://127.0.0.1:${port}` };
    connectEarly(['node', 'piximmo', 'whoami'], undefined, env);
    connectEarly(['node', 'piximmo', 'upload', 'shoot', '--order', 'O', '--dry-run'], undefined, env);
    connectEarly(['node', 'piximmo', 'upload', 'shoot', '--order', 'O'], undefined, { ...env, HTTPS_PROXY: 'http://proxy:3128' });
    await new Promise((r) => setTimeout(r, 100));
    expect(accepted - before).toBe(0);
    expect(new WarmSockets().waiting).toBe(0);
  });
});

describe('the CLI with an early connection nobody uses', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'piximmo-early-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function run(args: string[], apiUrl: string): Promise<{ code: number | null; ms: number; stderr: string }> {
    const t0 = Date.now();
    const child = spawn(process.execPath, [binPath, ...args], {
      env: { ...process.env, PIXIMMO_API_URL: apiUrl, PIXIMMO_TOKEN: 'tok-x', PIXIMMO_CONFIG_DIR: path.join(work, 'c'), PIXIMMO_STATE_DIR: path.join(work, 's'), NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - t0, stderr })));
  }

  it('a usage error exits at once (exit 2), and the early connection carried no byte', async () => {
    const before = { accepted, received };
    const r = await run(['upload', work, '--order', 'O', '--concurrency', 'many'], `http://127.0.0.1:${port}`);
    expect(r.code, r.stderr).toBe(2);
    expect(await waitFor(() => accepted - before.accepted === 1, 3000)).toBe(true); // connected early …
    expect(received - before.received).toBe(0); // … and sent nothing on it
  });

  it('an API that never answers the connect does not hold the process open (unref\'d while it waits)', async () => {
    // 192.0.2.1 (TEST-NET-1) is never routed: the connect hangs or fails, and the command must not wait for it.
    const r = await run(['upload', work, '--order', 'O', '--concurrency', 'many'], 'http://192.0.2.1:8787');
    expect(r.code, r.stderr).toBe(2);
    expect(r.ms).toBeLessThan(5000);
  });
});
