/**
 * Issue 11, test 3 (SPEC v2 "Offline is a state, not a failure"): the API is stopped for 60 s in the middle
 * of a watch — the local server closed, then started again on the same port with the same state folder.
 * watch says "offline, waiting…" once, counts no failure and no retry for it, and when the API is back
 * finishes everything by itself: every file registered once, exit 0.
 *
 * PIXIMMO_TEST_OUTAGE_MS shortens the outage while iterating (default 60 000, the figure).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv, waitFor } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cameraJpeg, count, listed, sha, sleep, waitForEvent, waitForRows } from './_watch.js';

const OUTAGE_MS = Number(process.env.PIXIMMO_TEST_OUTAGE_MS ?? 60_000);

describe('watch: offline is a state', () => {
  let server: TestServer | undefined;
  let stateDir: string;
  let base: string;

  beforeAll(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'piximmo-watch-offline-'));
    stateDir = path.join(base, 'server-state');
    mkdirSync(stateDir);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it(`the API stopped for ${OUTAGE_MS / 1000} s: "offline, waiting…", then everything registered by itself`, async () => {
    server = await startTestServer({ intentRate: 0, stateDir });
    const { url, port } = server;
    const card = path.join(base, 'EOS_DIGITAL');
    const dcim = path.join(card, 'DCIM', '100CANON');
    mkdirSync(dcim, { recursive: true });
    const contents = new Map<string, Buffer>();
    const put = (i: number) => {
      const b = cameraJpeg(9500 + i, 250_000, i * 5);
      contents.set(sha(b), b);
      writeFileSync(path.join(dcim, `IMG_${9500 + i}.JPG`), b);
    };
    for (let i = 0; i < 3; i++) put(i);
    const cli = new CliEnv(url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    const run = cli.spawn(['watch', card, '--order', 'ORD-1', '--json']);
    const out = () => run.output().stdout;
    try {
      expect(await waitForRows(url, 'ORD-1', 3), 'the first files registered').toBe(true);

      await server.close(); // the API goes away …
      server = undefined;
      for (let i = 3; i < 7; i++) put(i); // … while the photographer keeps shooting
      expect(await waitForEvent(out, (e) => e.event === 'offline', 30_000), `offline noticed\n${run.output().stderr}`).toBe(true);
      // stdout and stderr are two pipes: the words may be read a moment after the event (a CI run read the
      // event first and found stderr without them yet).
      expect(await waitFor(() => run.output().stderr.includes('offline, waiting…'), 5_000), `offline in words\n${run.output().stderr}`).toBe(true);
      await sleep(OUTAGE_MS);
      expect(run.child.exitCode, 'still watching').toBeNull();

      server = await startTestServer({ intentRate: 0, stateDir, port }); // … and comes back on the same port
      expect(await waitForEvent(out, (e) => e.event === 'online', 60_000), `online noticed\n${run.output().stderr}`).toBe(true);
      expect(await waitForRows(url, 'ORD-1', 7, 60_000), 'everything registered after the outage').toBe(true);
      await sleep(2500);
      const rows = await listed(url, 'ORD-1');
      expect(rows).toHaveLength(7);
      expect(new Set(rows.map((f) => f.checksum))).toEqual(new Set(contents.keys()));
    } finally {
      run.child.kill('SIGINT');
    }
    const r = await run.done;
    try {
      expect(r.code, r.stderr).toBe(0);
      expect(r.events.filter((e) => e.event === 'file' && e.state === 'failed'), 'no failure').toEqual([]);
      expect(r.events.filter((e) => e.event === 'offline')).toHaveLength(1);
      expect(count(r.stderr, 'offline, waiting… (')).toBe(1);
      // Connection refused is not a retry: no retry events with unreachable codes.
      expect(r.events.filter((e) => e.event === 'retry' && e.code === 'ECONNREFUSED')).toEqual([]);
      const summary = r.events.find((e) => e.event === 'summary')!;
      expect(summary).toMatchObject({ registered: 7, failed: 0 });
      const status = r.events.filter((e) => e.event === 'watch');
      expect(status.some((e) => e.offline === true), 'the status line said offline').toBe(true);
      expect(status.at(-1)).toMatchObject({ offline: false, total: 7, done: 7 });
    } finally {
      cli.cleanup();
    }
  }, OUTAGE_MS + 240_000);
});
