/**
 * Usage errors in a real terminal (tmux): the scan spinner must not keep the process alive. `upload` into
 * a missing folder, and a setting out of its limits (`--stack-gap 900`, one limit per setting, issue 9),
 * end with exit 2 and the sentence, in English and German. Before, a missing folder left the spinner
 * turning and the command never ended. No server is needed: nothing is sent.
 *
 * Needs tmux; skipped with a message when it is missing.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv, cliCommand } from '../helpers/cli.js';
import { shellQuote as q, TmuxServer, tmuxOrSkip } from '../helpers/tmux.js';

const tmuxOk = tmuxOrSkip('usage errors in a terminal');

describe.skipIf(!tmuxOk)('usage errors in a terminal (tmux)', () => {
  let work: string;
  const tmuxServer = new TmuxServer('usage');
  const tmux = (...args: string[]): string => tmuxServer.run(...args);

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'piximmo-usage-tty-'));
    mkdirSync(path.join(work, 'shoot', 'Kueche'), { recursive: true });
    writeFileSync(path.join(work, 'shoot', 'Kueche', 'IMG_1.JPG'), makeJpeg({ seed: 3 }));
  });
  afterAll(() => {
    tmuxServer.kill();
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs the CLI in a pane; returns the screen once it printed EXIT=n (or after 60 s). */
  async function inTerminal(name: string, args: string[], env: Record<string, string>): Promise<string> {
    const cli = new CliEnv('http://127.0.0.1:9', 'tok-alice', { TERM: 'xterm-256color', ...env });
    const script = path.join(work, `${name}.sh`);
    const exports = Object.entries(cli.env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `export ${k}=${q(v!)}`)
      .join('\n');
    writeFileSync(script, `${exports}\ncd ${q(work)}\n${cliCommand().map(q).join(' ')} ${args.map(q).join(' ')}\necho "EXIT=$?"\nsleep 60\n`);
    chmodSync(script, 0o755);
    try {
      tmux('new-session', '-d', '-x', '160', '-y', '20', '-s', name, `sh ${q(script)}`);
      let pane = '';
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        pane = tmux('capture-pane', '-p', '-t', name);
        if (/EXIT=\d+/.test(pane)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      return pane;
    } finally {
      try {
        tmux('kill-session', '-t', name);
      } catch {
        // already gone
      }
      cli.cleanup();
    }
  }

  it('a missing folder: exit 2 with the sentence, with and without --dry-run', async () => {
    for (const [name, extra] of [['missing-dry', ['--dry-run']], ['missing', []]] as const) {
      const pane = await inTerminal(name, ['upload', 'nothere', '--order', 'ORD-1', ...extra], { LANG: 'en_US.UTF-8' });
      expect(pane, pane).toMatch(/EXIT=2/);
      expect(pane).toContain('The folder nothere does not exist.');
    }
  }, 150_000);

  it('--stack-gap 900: exit 2 with the one sentence of the setting, in English and German', async () => {
    const en = await inTerminal('gap-en', ['upload', 'shoot', '--order', 'ORD-1', '--stack-gap', '900'], { LANG: 'en_US.UTF-8' });
    expect(en, en).toMatch(/EXIT=2/);
    expect(en).toContain('stack-gap must be a number of seconds from 0 to 600 (got 900).');
    const de = await inTerminal('gap-de', ['upload', 'shoot', '--order', 'ORD-1', '--stack-gap', '900'], { LANG: 'de_DE.UTF-8' });
    expect(de, de).toMatch(/EXIT=2/);
    expect(de).toContain('stack-gap muss eine Zahl von Sekunden zwischen 0 und 600 sein (war 900).');
  }, 150_000);
});
