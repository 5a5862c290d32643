/**
 * Issue 14, "must be shown" 4: the CLI honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY (undici's
 * EnvHttpProxyAgent, src/api/http.ts). An upload to the local server goes through a local forward proxy
 * (test/helpers/http-proxy.ts) — intent, PUT to the signed URL and finalize all appear in its log; with
 * NO_PROXY naming the server nothing does; an https API URL is reached through a CONNECT tunnel of
 * HTTPS_PROXY (the name is never resolved locally: `.invalid` would fail DNS). NO_PROXY is deliberately
 * not set to loopback in the proxied runs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv } from '../helpers/cli.js';
import { startHttpProxy, type TestProxy } from '../helpers/http-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

function shoot(root: string, room: string, seeds: number[]): string {
  const dir = path.join(root, room);
  mkdirSync(path.join(dir, 'Küche', 'g1'), { recursive: true });
  for (const s of seeds) writeFileSync(path.join(dir, 'Küche', 'g1', `IMG_${s}.JPG`), makeJpeg({ seed: s }));
  return dir;
}

describe('proxies', () => {
  let server: TestServer;
  let proxy: TestProxy;
  let cli: CliEnv;
  let root: string;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    proxy = await startHttpProxy({ refuseConnect: true });
    cli = new CliEnv(server.url, 'tok-alice');
    root = mkdtempSync(path.join(tmpdir(), 'piximmo-proxy-'));
  });

  afterAll(async () => {
    cli?.cleanup();
    rmSync(root, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  it('sends an upload through HTTP_PROXY: intents, PUTs and finalizes all in the proxy log', async () => {
    const dir = shoot(root, 'a', [1, 2, 3]);
    const r = await cli.run(['upload', dir, '--order', 'ORD-1', '--json'], { env: { HTTP_PROXY: proxy.url } });
    expect(r.code, r.stderr).toBe(0);
    const summary = r.events.find((e) => e.event === 'summary') as { registered: number };
    expect(summary.registered).toBe(3);
    const forwards = proxy.hits.filter((h) => h.kind === 'forward' && h.target.startsWith(server.url));
    // intents go in batches (issue 5; issue 15: the first batch gathers the files being hashed): 1 to 3 requests
    const intents = forwards.filter((h) => h.method === 'POST' && /\/api\/uploads\/intent/.test(h.target));
    expect(intents.length).toBeGreaterThanOrEqual(1);
    expect(intents.length).toBeLessThanOrEqual(3);
    expect(forwards.filter((h) => h.method === 'PUT' && h.status < 300)).toHaveLength(3);
    // finalizes go out in batches (finalize-batch, issue 12): at least one request, all through the proxy
    expect(forwards.filter((h) => h.method === 'POST' && /finalize/.test(h.target)).length).toBeGreaterThanOrEqual(1);
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    const before = proxy.hits.length;
    const dir = shoot(root, 'b', [11, 12]);
    const r = await cli.run(['upload', dir, '--order', 'ORD-1', '--json'], {
      env: { HTTP_PROXY: proxy.url, NO_PROXY: new URL(server.url).hostname },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.hits.length).toBe(before);
  });

  it('tunnels https through HTTPS_PROXY with CONNECT', async () => {
    const before = proxy.hits.length;
    const r = await cli.run(['whoami', '--api-url', 'https://api.piximmo.invalid', '--json'], {
      env: { HTTPS_PROXY: proxy.url, https_proxy: proxy.url },
    });
    expect(r.code).not.toBe(0);
    const connects = proxy.hits.slice(before).filter((h) => h.kind === 'connect');
    expect(connects.length).toBeGreaterThanOrEqual(1);
    expect(connects[0].target).toBe('api.piximmo.invalid:443');
  });
});
