/**
 * The local server's scanner setting (issue 16): `--scanner auto|none|clamd://HOST:PORT` and
 * `--scan-stream-max` parsing; `scanner: "auto"` starts a private clamd that answers INSTREAM and is gone
 * after close(); the runner (`npm run server -- --scanner auto`) names it on stderr and stops it on SIGTERM.
 * The clamd parts skip, naming what is missing, without clamd/sigtool.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServerArgs } from '../../src/server/local/args.js';
import { findClamdTools } from '../../src/server/local/clamd-process.js';
import { nodeConnect } from '../../src/server/local/node-socket.js';
import { setUpScanner } from '../../src/server/local/scanner.js';
import { ClamdClient } from '../../src/server/scan/clamd.js';
import { clamdSkipReason, clamdTitle, eicarBytes } from '../helpers/clamd.js';
import { startTestServer } from '../helpers/server.js';

const RUNNER = new URL('../../dist/local-server.js', import.meta.url).pathname;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('--scanner / --scan-stream-max', () => {
  it('defaults to auto; takes none and clamd://host:port; environment as fallback; refuses anything else', () => {
    expect(parseServerArgs([])).toMatchObject({ kind: 'ok', opts: { scanner: 'auto' } });
    expect(parseServerArgs(['--scanner', 'none'])).toMatchObject({ opts: { scanner: 'none' } });
    expect(parseServerArgs(['--scanner', 'clamd://127.0.0.1:3310', '--scan-stream-max', '1048576'])).toMatchObject({
      opts: { scanner: 'clamd://127.0.0.1:3310', scanStreamMax: 1048576 },
    });
    expect(parseServerArgs([], { PIXIMMO_SCANNER: 'clamd://scan.local' })).toMatchObject({ opts: { scanner: 'clamd://scan.local' } });
    expect(parseServerArgs(['--scanner', 'clamav'])).toMatchObject({ kind: 'usage', message: expect.stringContaining('--scanner must be auto, none or clamd://HOST:PORT') });
    expect(parseServerArgs(['--scanner', 'clamd://h:99999'])).toMatchObject({ kind: 'usage' });
    expect(parseServerArgs(['--scan-stream-max', '100'])).toMatchObject({ kind: 'usage', message: expect.stringContaining('65536') });
  });
});

describe('without clamd (PIXIMMO_CLAMD=none acts as if it were not installed)', () => {
  it('the tools are reported missing, the tests would skip saying so, and --scanner auto falls back to none with a note', async () => {
    expect(findClamdTools({ PIXIMMO_CLAMD: 'none' }).clamd).toBeNull();
    const before = process.env.PIXIMMO_CLAMD;
    process.env.PIXIMMO_CLAMD = 'none';
    try {
      expect(clamdSkipReason()).toMatch(/clamd \(Debian package clamav-daemon\) not installed/);
      expect(clamdTitle('x')).toMatch(/^x — SKIPPED: clamd/);
      const sc = await setUpScanner('auto');
      expect(sc).toMatchObject({ url: 'none', clamd: null, vars: { SCANNER: 'none' } });
      expect(sc.note).toMatch(/clamd is not installed/);
    } finally {
      if (before === undefined) delete process.env.PIXIMMO_CLAMD;
      else process.env.PIXIMMO_CLAMD = before;
    }
  });
});

describe.skipIf(clamdSkipReason() !== null)(clamdTitle('local server with --scanner auto'), () => {
  it('starts a private clamd that finds EICAR, and stops it on close()', async () => {
    const s = await startTestServer({ scanner: 'auto', scanStreamMax: 1024 * 1024, persist: false });
    let pid: number | null = null;
    try {
      expect(s.scanner.url).toMatch(/^clamd:\/\/127\.0\.0\.1:\d+$/);
      pid = s.scanner.clamd!.pid();
      expect(pid).not.toBeNull();
      const client = new ClamdClient({ hostname: '127.0.0.1', port: s.scanner.clamd!.port, connect: nodeConnect });
      expect((await client.instream(eicarBytes())).kind).toBe('infected');
    } finally {
      await s.close();
    }
    expect(await gone(pid!)).toBe(true);
  });

  // The runner is spawned in its own process group, so a test that fails or times out (vitest does not run
  // the test's own finally then) still takes the runner and its workerd down here; its clamd's watchdog ends
  // clamd once the runner is gone.
  let runner: ChildProcess | null = null;
  afterEach(() => {
    if (runner?.pid !== undefined && runner.exitCode === null && runner.signalCode === null) {
      try {
        process.kill(-runner.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    runner = null;
  });

  it.skipIf(!existsSync(RUNNER))('the runner names the scanner on stderr and stops clamd on SIGTERM', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'piximmo-run-'));
    const child = spawn(process.execPath, [RUNNER, '--port', '0', '--state', stateDir, '--scanner', 'auto'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    runner = child;
    const t0 = Date.now();
    const at = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    try {
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // Each wait has its own bound and says which step did not happen (a hang would otherwise only show
      // as the test's timeout, with nothing to go on).
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve());
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
        setTimeout(() => reject(new Error(`no listening line in 90 s: ${err}`)), 90_000).unref();
      });
      const m = /scanner: clamd:\/\/127\.0\.0\.1:(\d+) \(private clamd/.exec(err);
      expect(m, err).not.toBeNull();
      const client = new ClamdClient({ hostname: '127.0.0.1', port: Number(m![1]), connect: nodeConnect });
      // Up to three PINGs of ≤ 10 s each: the start-up answered one already; on a loaded machine one can be slow.
      let pong = false;
      for (let i = 0; i < 3 && !pong; i++) pong = await client.ping();
      expect(pong, `the private clamd (port ${m![1]}) did not answer PING, listening at ${at()}: ${err}`).toBe(true);
      const code = await new Promise<number | null>((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`the runner ended before SIGTERM (${child.exitCode ?? child.signalCode}): ${err}`));
        child.on('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => reject(new Error(`the runner did not exit within 30 s of SIGTERM (${at()}): ${err}`)), 30_000).unref();
      });
      expect(code, err).toBe(0);
      expect(await client.ping(), `clamd still answers after the runner exited: ${err}`).toBe(false);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 170_000); // clamd's start and a Miniflare start on a loaded 2-core machine; every wait above is bounded
});
