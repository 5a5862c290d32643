/**
 * Issue 12: `piximmo rm` asks on a terminal. In tmux (a real pty) the question appears; "n" deletes
 * nothing, "j" (German) deletes. Needs tmux (`.ci/run` installs it); skipped with a message when missing.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, randomBytes, uploadFile } from '../server/_client.js';
import { binPath, CliEnv } from '../helpers/cli.js';
import { shellQuote, TmuxServer, tmuxOrSkip } from '../helpers/tmux.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const tmuxOk = tmuxOrSkip('rm terminal test');
const q = shellQuote;

describe.skipIf(!tmuxOk)('rm asks on a terminal (tmux)', () => {
  let server: TestServer;
  let work: string;
  const server_ = new TmuxServer('rm');
  const tmux = (...args: string[]): string => server_.run(...args);

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    work = mkdtempSync(path.join(tmpdir(), 'piximmo-rm-tty-'));
  });
  afterAll(async () => {
    server_.kill();
    rmSync(work, { recursive: true, force: true });
    await server?.close();
  });

  /** Runs `piximmo rm id` in a pane, waits for `prompt`, types `answer`, returns the pane at the end. */
  async function answer(id: string, lang: string, prompt: RegExp, keys: string): Promise<string> {
    const cli = new CliEnv(server.url, 'tok-alice', { TERM: 'xterm-256color' });
    const exports = Object.entries(cli.env).map(([k, v]) => `export ${k}=${q(String(v))}`).join('\n');
    const script = path.join(work, `rm-${keys}.sh`);
    writeFileSync(script, `${exports}\n${q(process.execPath)} ${q(binPath)} rm ${q(id)} --lang ${lang}\necho "EXIT=$?"\nsleep 60\n`);
    chmodSync(script, 0o755);
    const session = `rm-${keys}`;
    tmux('new-session', '-d', '-x', '150', '-y', '20', '-s', session, `sh ${q(script)}`);
    try {
      const until = Date.now() + 30_000;
      let pane = '';
      while (Date.now() < until && !prompt.test(pane)) {
        await new Promise((r) => setTimeout(r, 200));
        pane = tmux('capture-pane', '-p', '-t', session);
      }
      expect(pane, pane).toMatch(prompt);
      tmux('send-keys', '-t', session, keys, 'Enter');
      while (Date.now() < until && !/EXIT=\d+/.test(pane)) {
        await new Promise((r) => setTimeout(r, 200));
        pane = tmux('capture-pane', '-p', '-t', session);
      }
      return pane;
    } finally {
      cli.cleanup();
      tmux('kill-session', '-t', session);
    }
  }

  it('"n" deletes nothing; "j" (German) deletes', async () => {
    const { fileId } = await uploadFile(server.url, randomBytes(500), { filename: 'tty.jpg' });
    const no = await answer(fileId, 'en', /Delete 1 file\(s\) from the server\? .*\[y\/N\]/, 'n');
    expect(no).toMatch(/Nothing was deleted\./);
    expect(no).toMatch(/EXIT=0/);
    expect((await api(server.url, 'GET', `/api/files/${fileId}/download`)).status).toBe(200);

    const yes = await answer(fileId, 'de', /1 Datei\(en\) auf dem Server löschen\? .*\[j\/N\]/, 'j');
    expect(yes).toMatch(/gelöscht/);
    expect(yes).toMatch(/EXIT=0/);
    expect((await api(server.url, 'GET', `/api/files/${fileId}/download`)).status).toBe(404);
  });
});
