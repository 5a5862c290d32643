/**
 * Issue 4, test 5: the progress view in a real terminal. `piximmo upload` runs inside tmux (a real pty,
 * 160 × 40), slowed down by the fault proxy's throttle so the view can be watched; the pane is captured
 * repeatedly and must show the overall line (files x/y, MB/s, ETA) and one line per file in flight, and
 * they must change while the upload runs. Off a terminal (stdout and stderr piped) there must be no
 * escape codes at all.
 *
 * Needs tmux (`.ci/run` installs it from Debian's packages); skipped with a message when it is missing.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv, cliCommand } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { shellQuote, TmuxServer, tmuxOrSkip } from '../helpers/tmux.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';

const tmuxOk = tmuxOrSkip('terminal test');

/**
 * Files well above what loopback socket buffers absorb (a few MB), so the per-file bars move visibly
 * while the proxy forwards at THROTTLE_BPS per connection.
 */
const FILES = 4;
const FILE_BYTES = 12_000_000;
const THROTTLE_BPS = 3_000_000;

const q = shellQuote;

function writeShoot(dir: string, seed: number): void {
  mkdirSync(path.join(dir, 'Wohnzimmer', 'g1'), { recursive: true });
  for (let i = 0; i < FILES; i++) {
    writeFileSync(path.join(dir, 'Wohnzimmer', 'g1', `IMG_${1000 + i}.JPG`), makeJpeg({ seed: seed + i, padTo: FILE_BYTES, exif: { make: 'Canon', model: 'Canon EOS R5', dateTimeOriginal: `2025:11:10 10:00:${String(i * 10).padStart(2, '0')}` } }));
  }
}

/** A shell script in `dir` that runs the CLI with `cli`'s environment and `args`, then prints EXIT=<code> and stays. */
function cliScript(dir: string, name: string, cli: CliEnv, args: string): string {
  const script = path.join(dir, `${name}.sh`);
  const exports = Object.entries(cli.env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `export ${k}=${q(v!)}`)
    .join('\n');
  writeFileSync(script, `${exports}\n${cliCommand().map(q).join(' ')} ${args}\necho "EXIT=$?"\nsleep 120\n`);
  chmodSync(script, 0o755);
  return script;
}

describe.skipIf(!tmuxOk)('progress view in a terminal (tmux)', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let work: string;
  const tmuxServer = new TmuxServer('test');
  const tmux = (...args: string[]): string => tmuxServer.run(...args);

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    proxy = await FaultProxy.start(server.url, { throttleBps: THROTTLE_BPS });
    work = mkdtempSync(path.join(tmpdir(), 'piximmo-tty-'));
  });

  afterAll(async () => {
    tmuxServer.kill();
    rmSync(work, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  it('shows the overall bar (files x/y, MB/s, ETA) and the files in flight, and updates them', async () => {
    const shoot = path.join(work, 'shoot');
    writeShoot(shoot, 10);
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', TERM: 'xterm-256color' });
    const script = cliScript(work, 'run', cli, `upload ${q(shoot)} --order ORD-1 --concurrency 2`);
    try {
      tmux('new-session', '-d', '-x', '160', '-y', '40', '-s', 'up', `sh ${q(script)}`);
      const frames: string[] = [];
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const pane = tmux('capture-pane', '-p', '-t', 'up');
        frames.push(pane);
        if (/EXIT=\d+/.test(pane)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const last = frames[frames.length - 1];
      expect(last, last).toMatch(/EXIT=0/);

      // Frames that show the live view: the overall line with files x/y, a rate and an ETA.
      const overall = /(\d+)\/(\d+) files.*?\d+(\.\d+)? (B|KB|MB)\/s.*?ETA \S+/;
      const live = frames.filter((f) => overall.test(f) && !/EXIT=/.test(f));
      expect(live.length, frames.join('\n-----\n')).toBeGreaterThanOrEqual(3);
      for (const f of live) expect(overall.exec(f)![2]).toBe(String(FILES));
      // Lines of files in flight: the file's path and how much of it has gone; a file's line moves on.
      const active = /(Wohnzimmer\/g1\/IMG_10\d\d\.JPG).*?(\d+(?:\.\d+)? (?:B|KB|MB))\/12 MB/g;
      const seen = new Map<string, Set<string>>();
      for (const f of live) {
        for (const m of f.matchAll(active)) {
          if (!seen.has(m[1])) seen.set(m[1], new Set());
          seen.get(m[1])!.add(m[2]);
        }
      }
      expect(seen.size, live.join('\n-----\n')).toBeGreaterThanOrEqual(2);
      expect(Math.max(...[...seen.values()].map((s) => s.size)), live.join('\n-----\n')).toBeGreaterThanOrEqual(3);
      // It updates: the overall line changes over time, and the files done go up.
      const lines = live.map((f) => f.split('\n').find((l) => overall.test(l))!.trim());
      expect(new Set(lines).size).toBeGreaterThanOrEqual(3);
      const done = live.map((f) => Number(overall.exec(f)![1]));
      expect(Math.max(...done)).toBeGreaterThan(Math.min(...done));
      // The summary ends on the terminal.
      expect(last).toMatch(new RegExp(`${FILES} of ${FILES} files registered`));
    } finally {
      try {
        tmux('kill-session', '-t', 'up');
      } catch {
        // already gone
      }
      cli.cleanup();
    }
  }, 120_000);

  it('a folder with nothing to upload: the scan line says so, no bar of 0/0', async () => {
    const empty = path.join(work, 'empty');
    mkdirSync(empty);
    const cli = new CliEnv(proxy.url, 'tok-alice', { TERM: 'xterm-256color' });
    const script = cliScript(work, 'empty', cli, `upload ${q(empty)} --order ORD-1`);
    try {
      tmux('new-session', '-d', '-x', '160', '-y', '40', '-s', 'empty', `sh ${q(script)}`);
      let pane = '';
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !/EXIT=\d+/.test(pane)) {
        await new Promise((r) => setTimeout(r, 200));
        pane = tmux('capture-pane', '-p', '-t', 'empty');
      }
      expect(pane, pane).toMatch(/EXIT=0/);
      expect(pane).toContain('Nothing to upload: no photo or video here of a type piximmo uploads.');
      expect(pane).toContain('0 of 0 files registered');
      expect(pane).not.toContain('0/0 files');
    } finally {
      try {
        tmux('kill-session', '-t', 'empty');
      } catch {
        // already gone
      }
      cli.cleanup();
    }
  }, 90_000);

  it('off a terminal (stdout and stderr piped) there are no escape codes, also without NO_COLOR', async () => {
    const shoot = path.join(work, 'piped');
    writeShoot(shoot, 50);
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', TERM: 'xterm-256color' });
    delete cli.env.NO_COLOR;
    try {
      const r = await cli.run(['upload', shoot, '--order', 'ORD-2']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`${FILES} of ${FILES} files registered`));
      expect(r.stdout.includes('\x1b')).toBe(false);
      expect(r.stderr.includes('\x1b')).toBe(false);
      // A failing command's message is plain as well.
      const bad = await cli.run(['upload', shoot, '--order', 'ORD-9']);
      expect(bad.code).toBe(4);
      expect(bad.stdout + bad.stderr).not.toContain('\x1b');
      // And the other commands.
      for (const args of [['status', shoot, '--order', 'ORD-2'], ['verify', shoot, '--order', 'ORD-2'], ['config', 'list']]) {
        const o = await cli.run(args);
        expect(o.code, `${args.join(' ')}: ${o.stderr}`).toBe(0);
        expect(o.stdout + o.stderr).not.toContain('\x1b');
      }
    } finally {
      cli.cleanup();
    }
  }, 60_000);
});
