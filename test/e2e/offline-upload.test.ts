/**
 * SPEC v2 "Offline is a state, not a failure" for `upload`: while the API cannot be reached the CLI says
 * "offline, waiting…" (once) and waits up to --offline-wait (default 10 minutes), not counting retries; an
 * API that comes up within that time gets the whole upload, one that does not fails the files as NETWORK.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cameraJpeg, count, sleep } from './_watch.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('upload --offline-wait', () => {
  let base: string;
  let server: TestServer | undefined;

  beforeAll(() => {
    base = mkdtempSync(path.join(tmpdir(), 'piximmo-offline-up-'));
    mkdirSync(path.join(base, 'shoot', 'Küche'), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(path.join(base, 'shoot', 'Küche', `IMG_${i}.JPG`), cameraJpeg(9990 + i, 100_000, i * 9));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('no API within --offline-wait 3s: "offline, waiting…" once, then the files fail as NETWORK (exit 1)', async () => {
    const port = await freePort();
    const cli = new CliEnv(`http://127.0.0.1:${port}`, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      const t0 = Date.now();
      const r = await cli.run(['upload', path.join(base, 'shoot'), '--order', 'ORD-1', '--offline-wait', '3s', '--json']);
      expect(r.code, r.stderr).toBe(1);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
      expect(r.events.filter((e) => e.event === 'offline')).toEqual([expect.objectContaining({ code: 'ECONNREFUSED', host: `127.0.0.1:${port}` })]);
      // The words name the host and why it cannot be reached: a wrong API URL reads differently from a dead network.
      expect(count(r.stderr, `offline, waiting… (127.0.0.1:${port}: connection refused;`)).toBe(1);
      expect(r.events.find((e) => e.event === 'summary')).toMatchObject({ failed: 3 });
    } finally {
      cli.cleanup();
    }
  }, 120_000);

  it('an API that comes up while the upload waits gets everything (exit 0)', async () => {
    const port = await freePort();
    const cli = new CliEnv(`http://127.0.0.1:${port}`, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      // A state folder made ready beforehand: the local server listens before it has applied its
      // migrations, and this test is about the network, not about a server starting up.
      const stateDir = path.join(base, 'state');
      mkdirSync(stateDir);
      await (await startTestServer({ intentRate: 0, stateDir })).close();
      const run = cli.spawn(['upload', path.join(base, 'shoot'), '--order', 'ORD-1', '--json']);
      await sleep(4000);
      server = await startTestServer({ intentRate: 0, port, stateDir });
      const r = await run.done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.events.filter((e) => e.event === 'offline')).toHaveLength(1);
      expect(r.events.filter((e) => e.event === 'online')).toHaveLength(1);
      expect(r.events.find((e) => e.event === 'summary')).toMatchObject({ registered: 3, failed: 0 });
    } finally {
      cli.cleanup();
    }
  }, 120_000);

  it('a host name that does not resolve is named in the offline line, in English and German', async () => {
    const cli = new CliEnv('http://piximmo-no-such-host.invalid', 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      // NXDOMAIN is ENOTFOUND; a machine whose resolver cannot be asked at all gets EAI_AGAIN.
      for (const [lang, words] of [
        ['en', /^offline, waiting… \(piximmo-no-such-host\.invalid: (no such host name|name lookup failed);/m],
        ['de', /^offline, warte… \(piximmo-no-such-host\.invalid: (diesen Servernamen gibt es nicht|Namensauflösung gescheitert);/m],
      ] as const) {
        const r = await cli.run(['upload', path.join(base, 'shoot'), '--order', 'ORD-1', '--offline-wait', '1s', '--no-progress', '--lang', lang]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(words);
      }
    } finally {
      cli.cleanup();
    }
  }, 120_000);

  it('a malformed --offline-wait is a usage error (exit 2)', async () => {
    const cli = new CliEnv('http://127.0.0.1:9', 'tok-alice');
    try {
      const r = await cli.run(['upload', path.join(base, 'shoot'), '--order', 'ORD-1', '--offline-wait', 'soon']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--offline-wait');
    } finally {
      cli.cleanup();
    }
  });
});
