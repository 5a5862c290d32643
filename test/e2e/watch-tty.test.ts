/**
 * Issue 11, test 4: Ctrl-C ends `watch` within 2 s, with the summary — in a real terminal (tmux: the status
 * line used to put stdin in raw mode and swallow ^C) and off one (SIGTERM). Exit 0 when nothing failed,
 * 130 when interrupted mid-transfer (as upload). The status line names the card and its progress.
 *
 * Needs tmux (`.ci/run` installs it); the terminal cases skip with a message when it is missing.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv, cliCommand } from '../helpers/cli.js';
import { shellQuote, TmuxServer, tmuxOrSkip } from '../helpers/tmux.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cameraJpeg, sleep, waitForEvent } from './_watch.js';

const tmuxOk = tmuxOrSkip('watch Ctrl-C in a terminal');
const q = shellQuote;

describe('watch: Ctrl-C and SIGTERM end it within 2 s with the summary', () => {
  let server: TestServer;
  let work: string;
  const server_ = new TmuxServer('watch');
  const tmux = (...args: string[]): string => server_.run(...args);

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    work = mkdtempSync(path.join(tmpdir(), 'piximmo-watch-tty-'));
  });
  afterAll(async () => {
    server_.kill();
    rmSync(work, { recursive: true, force: true });
    await server?.close();
  });

  function card(name: string, n: number, seed: number, bytes: number): string {
    const root = path.join(work, name);
    mkdirSync(path.join(root, 'DCIM', '100CANON'), { recursive: true });
    for (let i = 0; i < n; i++) writeFileSync(path.join(root, 'DCIM', '100CANON', `IMG_${seed + i}.JPG`), cameraJpeg(seed + i, bytes, i * 3));
    return root;
  }

  /** Runs watch in tmux; waits for `ready` on the pane, sends Ctrl-C, and times the way to "EXIT=". */
  async function ctrlC(session: string, root: string, extra: string[], ready: RegExp): Promise<{ pane: string; ms: number; frames: string[] }> {
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', TERM: 'xterm-256color' });
    const script = path.join(work, `${session}.sh`);
    const exports = Object.entries(cli.env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `export ${k}=${q(v!)}`)
      .join('\n');
    // The shell shrugs Ctrl-C off (a trap with a command is not inherited): only watch gets it, and the
    // shell goes on to print its exit code.
    writeFileSync(script, `${exports}\ntrap ':' INT\n${cliCommand().map(q).join(' ')} watch ${q(root)} --order ORD-1 ${extra.join(' ')}\necho "EXIT=$?"\nsleep 120\n`);
    chmodSync(script, 0o755);
    const frames: string[] = [];
    try {
      tmux('new-session', '-d', '-x', '160', '-y', '40', '-s', session, `sh ${q(script)}`);
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !ready.test(frames.at(-1) ?? '')) {
        await sleep(100);
        frames.push(tmux('capture-pane', '-p', '-t', session));
      }
      expect(frames.at(-1), frames.at(-1)).toMatch(ready);
      const t0 = Date.now();
      tmux('send-keys', '-t', session, 'C-c');
      let pane = '';
      while (Date.now() - t0 < 10_000) {
        pane = tmux('capture-pane', '-p', '-t', session);
        if (/EXIT=\d+/.test(pane)) break;
        await sleep(50);
      }
      return { pane, ms: Date.now() - t0, frames };
    } finally {
      try {
        tmux('kill-session', '-t', session);
      } catch {
        // already gone
      }
      cli.cleanup();
    }
  }

  it.skipIf(!tmuxOk)('in a terminal, with everything registered: exit 0 within 2 s, the summary on screen', async () => {
    const root = card('EOS_DIGITAL', 3, 9600, 200_000);
    const { pane, ms, frames } = await ctrlC('idle', root, [], /safe to remove/);
    expect(pane, pane).toMatch(/EXIT=0/);
    expect(ms, pane).toBeLessThan(2000);
    expect(pane).toMatch(/3 of 3 files registered/);
    // The status line named the card and its progress while it ran.
    expect(frames.join('\n')).toMatch(/Card EOS_DIGITAL: 3 of 3 registered/);
  }, 120_000);

  it.skipIf(!tmuxOk)('in a terminal, mid-transfer: exit 130 within 2 s, the summary on screen', async () => {
    const root = card('SLOW', 3, 9700, 3_000_000);
    const { pane, ms } = await ctrlC('busy', root, ['--bwlimit', '500K'], /uploading…/);
    expect(pane, pane).toMatch(/EXIT=130/);
    expect(ms, pane).toBeLessThan(2000);
    expect(pane, pane).toMatch(/of 3 files registered/);
  }, 120_000);

  it('off a terminal, SIGTERM: exit 0 within 2 s with the summary', async () => {
    const root = card('PIPED', 2, 9800, 200_000);
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      const run = cli.spawn(['watch', root, '--order', 'ORD-2', '--json']);
      expect(await waitForEvent(() => run.output().stdout, (e) => e.event === 'card' && e.state === 'done')).toBe(true);
      const t0 = Date.now();
      run.child.kill('SIGTERM');
      const r = await run.done;
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(r.code, r.stderr).toBe(0);
      expect(r.events.find((e) => e.event === 'summary')).toMatchObject({ registered: 2, failed: 0, interrupted: false });
      expect(r.stdout).not.toContain('\x1b');
    } finally {
      cli.cleanup();
    }
  }, 120_000);
});
