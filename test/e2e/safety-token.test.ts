/**
 * Issue 10 "The stored token goes only to the origin it was issued for" (SPEC v2 "The token belongs to its
 * API"), end to end: `login --with-token` reads standard input and stores the token with its origin; a
 * command with another --api-url is exit 3 with "run piximmo login --api-url …" (en and de) and a capture
 * server on another port receives no Authorization header (no request at all); `--token` on the command
 * line warns.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('safety: the token belongs to its API', () => {
  let server: TestServer;
  let capture: http.Server;
  let captureUrl: string;
  const seen: http.IncomingHttpHeaders[] = [];
  let cli: CliEnv;
  let shoot: string;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    capture = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user_id: 'captured' }));
    });
    await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r));
    captureUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`;
    cli = new CliEnv(server.url); // no token in the environment
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-token-'));
    writeFileSync(path.join(shoot, 'IMG_1.JPG'), makeJpeg({ seed: 3 }));
  });

  afterAll(async () => {
    cli?.cleanup();
    rmSync(shoot, { recursive: true, force: true });
    await new Promise((r) => capture?.close(r));
    await server?.close();
  });

  it('login --with-token reads standard input and stores the token with its origin', async () => {
    const r = await cli.run(['login', '--with-token'], { input: 'tok-alice\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('process list');
    const conf = JSON.parse(readFileSync(path.join(cli.home, 'config', 'config.json'), 'utf8')) as Record<string, string>;
    expect(conf).toMatchObject({ token: 'tok-alice', token_origin: new URL(server.url).origin });
    const empty = await cli.run(['login', '--with-token'], { input: '\n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('No token on standard input');
  });

  it('another --api-url without --token: exit 3 with the login command, and nothing reaches that server', async () => {
    const who = await cli.run(['whoami', '--api-url', captureUrl]);
    expect(who.code).toBe(3);
    expect(who.stderr).toContain(`Run piximmo login --api-url ${captureUrl}`);
    const de = await cli.run(['whoami', '--api-url', captureUrl, '--lang', 'de']);
    expect(de.code).toBe(3);
    expect(de.stderr).toContain(`piximmo login --api-url ${captureUrl} ausführen`);
    const up = await cli.run(['upload', shoot, '--order', 'ORD-1', '--api-url', captureUrl, '--json']);
    expect(up.code).toBe(3);
    expect(up.events.find((e) => e.event === 'error')).toMatchObject({ code: 'TOKEN_OTHER_ORIGIN' });
    const env = await cli.run(['orders'], { env: { PIXIMMO_API_URL: captureUrl } });
    expect(env.code).toBe(3);
    expect(seen.filter((h) => h.authorization !== undefined)).toEqual([]);
    expect(seen).toHaveLength(0);
    // The stored token still works at its own API.
    expect((await cli.run(['whoami'])).stdout).toContain('alice');
  });

  it('a token on the command line works but warns that the process list shows it', async () => {
    const r = await cli.run(['whoami', '--token', 'tok-alice']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('visible to other users in the process list');
    const de = await cli.run(['whoami', '--token', 'tok-alice', '--lang', 'de']);
    expect(de.stderr).toContain('Prozessliste');
  });
});
