/**
 * Issue 4, test 4: device login (RFC 8628) through the real CLI binary against the local server — the
 * CLI shows the code, the user approves on the local approval page, the token is stored (conf file 0600)
 * and `whoami` works; `slow_down` makes the client poll less often; denial and expiry end with exit 3;
 * `logout` revokes the token on the server (401 afterwards).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliEnv, waitFor } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { deviceLogin } from '../../src/cli/commands/device-login.js';

const CODE_LINE = /open (\S+) and enter the code ([A-Z]{4}-[A-Z]{4})/;

/** The local approval page's form (src/server/routes/device.ts: POST /device user_code, user_id, action). */
async function decide(verificationUri: string, userCode: string, action: 'approve' | 'deny', userId = 'alice'): Promise<void> {
  const res = await fetch(verificationUri, { method: 'POST', body: new URLSearchParams({ user_code: userCode, user_id: userId, action }) });
  expect(res.status, await res.text()).toBe(200);
}

function storedConf(cli: CliEnv): { file: string; data: Record<string, unknown> } {
  const file = path.join(cli.home, 'config', 'config.json');
  return { file, data: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> };
}

async function me(server: TestServer, token: string): Promise<number> {
  return (await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('piximmo login (device flow), whoami, logout', () => {
  let server: TestServer;
  let cli: CliEnv;

  beforeAll(async () => {
    server = await startTestServer({ devicePollInterval: 1 });
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    cli = new CliEnv(server.url); // no token anywhere
  });
  afterEach(() => cli.cleanup());

  it('login without a token runs the device flow; approval stores the token (0600); whoami works; logout revokes it', async () => {
    expect((await cli.run(['whoami'])).code).toBe(3);
    const run = cli.spawn(['login', '--api-url', server.url, '--json']);
    // stdout and stderr are two pipes: the code's line on stderr may arrive after the JSON line on stdout.
    expect(await waitFor(() => run.output().stdout.includes('"device_code"') && CODE_LINE.test(run.output().stderr), 15_000), run.output().stderr).toBe(true);
    const ev = JSON.parse(run.output().stdout.split('\n')[0]) as { event: string; user_code: string; verification_uri: string; expires_in: number };
    expect(ev).toMatchObject({ event: 'device_code', verification_uri: `${server.url}/device` });
    expect(ev.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    // The human lines go to stderr, also with --json.
    expect(run.output().stderr).toMatch(CODE_LINE);
    await decide(ev.verification_uri, ev.user_code, 'approve');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.at(-1)).toMatchObject({ event: 'login', user_id: 'alice', api_url: server.url });

    const { file, data } = storedConf(cli);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = data.token as string;
    expect(token).toMatch(/^\S{20,}$/);
    expect(data).toMatchObject({ api_url: server.url, user_id: 'alice' });

    const who = await cli.run(['whoami'], { env: { PIXIMMO_API_URL: '' } }); // the stored api_url is used
    expect(who.code, who.stderr).toBe(0);
    expect(who.stdout).toContain('alice');
    expect(await me(server, token)).toBe(200);

    const out = await cli.run(['logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('Logged out; the token is revoked on the server.');
    expect(await me(server, token)).toBe(401);
    expect(storedConf(cli).data.token).toBeUndefined();
    expect((await cli.run(['whoami'])).code).toBe(3);
    // The revoked token, given explicitly, is refused as well (exit 3, login hint).
    const old = await cli.run(['whoami'], { env: { PIXIMMO_TOKEN: token } });
    expect(old.code).toBe(3);
    expect(old.stderr).toContain('piximmo login');
  });

  it('denial on the approval page → exit 3 with a clear message, nothing stored', async () => {
    const run = cli.spawn(['login']);
    expect(await waitFor(() => CODE_LINE.test(run.output().stderr), 15_000), run.output().stderr).toBe(true);
    const [, uri, code] = CODE_LINE.exec(run.output().stderr)!;
    await decide(uri, code, 'deny');
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('The login was denied.');
    expect(() => storedConf(cli)).toThrow(); // no conf file written at all
  });

  it('--lang de: the code line and the denial are German', async () => {
    const run = cli.spawn(['--lang', 'de', 'login']);
    const de = /Zum Anmelden (\S+) öffnen und den Code ([A-Z]{4}-[A-Z]{4}) eingeben/;
    expect(await waitFor(() => de.test(run.output().stderr), 15_000), run.output().stderr).toBe(true);
    const [, uri, code] = de.exec(run.output().stderr)!;
    await decide(uri, code, 'deny');
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Die Anmeldung wurde abgelehnt.');
  });

  it('login --token checks the token first: a good one is stored, a bad one is refused with exit 3', async () => {
    const bad = await cli.run(['login', '--token', 'tok-nobody']);
    expect(bad.code).toBe(3);
    const good = await cli.run(['login', '--token', 'tok-alice']);
    expect(good.code, good.stderr).toBe(0);
    expect(storedConf(cli).data.token).toBe('tok-alice');
    expect((await cli.run(['whoami'])).stdout).toContain('alice');
  });

  it('no server at the address: login says to run it again, without the upload note about registered files (en, de); upload keeps the note', async () => {
    const closed = new CliEnv('http://127.0.0.1:9', 'tok-alice', { PIXIMMO_RETRIES: '1' });
    try {
      const en = await closed.run(['login', '--token', 'tok-alice', '--lang', 'en']);
      expect(en.code).toBe(1);
      expect(en.stderr).toContain('Run the same command again.');
      expect(en.stderr).not.toContain('registered');
      const de = await closed.run(['whoami', '--lang', 'de']);
      expect(de.stderr).toContain('Erneut versuchen: denselben Befehl noch einmal ausführen.');
      expect(de.stderr).not.toContain('registrierte');
      const shoot = path.join(closed.home, 'shoot');
      mkdirSync(shoot);
      writeFileSync(path.join(shoot, 'IMG_0001.JPG'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
      const up = await closed.run(['upload', shoot, '--order', 'ORD-1', '--lang', 'en', '--offline-wait', '0']);
      expect(up.code).toBe(1);
      expect(up.stderr).toContain('files already registered are not sent again');
    } finally {
      closed.cleanup();
    }
  });

  it('the server answers slow_down to a client that polls too fast, with the interval raised by 5 s', async () => {
    const codeRes = await fetch(`${server.url}/api/auth/device/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const { device_code, interval } = (await codeRes.json()) as { device_code: string; interval: number };
    expect(interval).toBe(1);
    const poll = async (): Promise<{ code: string; interval?: number }> => {
      const res = await fetch(`${server.url}/api/auth/device/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_code }) });
      expect(res.status).toBe(400);
      const b = (await res.json()) as { error: { code: string; details?: { interval?: number } } };
      return { code: b.error.code, interval: b.error.details?.interval };
    };
    expect(await poll()).toEqual({ code: 'authorization_pending', interval: 1 });
    expect(await poll()).toEqual({ code: 'slow_down', interval: 6 });
    expect(await poll()).toEqual({ code: 'slow_down', interval: 11 });
  });

  it("deviceLogin honours slow_down: its polling interval grows by 5 s (RFC 8628 §3.5)", async () => {
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const waits: number[] = [];
    try {
      const token = await deviceLogin(server.url, {
        // The first two sleeps return at once, so the second poll comes too early and earns slow_down.
        // At the third sleep the code is approved; its length is what the client would wait.
        sleep: async (ms) => {
          waits.push(ms);
          if (waits.length === 3) {
            const [, uri, code] = CODE_LINE.exec(stderr)!;
            await decide(uri, code, 'approve');
          }
        },
      });
      expect(token).toMatch(/^\S{20,}$/);
      expect(await me(server, token)).toBe(200);
    } finally {
      spy.mockRestore();
    }
    expect(waits).toEqual([1000, 1000, 6000]);
  });
});

describe('device code expiry', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ devicePollInterval: 1, deviceCodeTtl: 2 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a code nobody approves expires: exit 3, "run piximmo login again"', async () => {
    const cli = new CliEnv(server.url);
    try {
      const t0 = Date.now();
      const r = await cli.run(['login']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('The login code expired before it was approved.');
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      cli.cleanup();
    }
  });
});
