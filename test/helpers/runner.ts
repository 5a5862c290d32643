/**
 * Test helper: the local server as users start it — `node dist/local-server.js --port 0 --state DIR …`
 * from the repository, as a child process — for tests that run a CLI installed elsewhere (npm package,
 * single-file binary). Resolves once the runner prints `listening on <url>`; `close()` sends SIGTERM and
 * removes the temporary state folder. Rejects when the runner exits first (its stderr in the message).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './cli.js';

export interface RunnerServer {
  url: string;
  close(): Promise<void>;
}

export async function startRunner(extraArgs: string[] = []): Promise<RunnerServer> {
  const state = mkdtempSync(path.join(tmpdir(), 'piximmo-runner-'));
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/local-server.js'), '--port', '0', '--state', state, ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(state, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const m = /listening on (http:\/\/\S+)/.exec(buf);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`local server exited (${code}) before it was ready: ${stderr.trim().slice(-500)}`)));
    });
    return { url, close };
  } catch (e) {
    await close();
    throw e;
  }
}
