/**
 * Runs the real CLI binary (bin/piximmo.js → dist/cli/main.js) as a child process, with its own config and
 * state directories, and collects stdout, stderr and the exit code.
 * `PIXIMMO_TEST_BIN=/path/to/piximmo-linux-x64` runs the suite against that executable instead (the
 * single-file binary of `npm run build:binary`, issue 14); `cliCommand()` is the command line either way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binPath = path.join(repoRoot, 'bin/piximmo.js');
export const samplesDir = path.resolve(repoRoot, '../shared/samples');

/** The CLI's command line before its arguments: `[PIXIMMO_TEST_BIN]`, else `[node, bin/piximmo.js]`. */
export function cliCommand(): string[] {
  const bin = process.env.PIXIMMO_TEST_BIN;
  return bin ? [path.resolve(repoRoot, bin)] : [process.execPath, binPath];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as NDJSON (lines that are not JSON are kept out). */
  events: Record<string, unknown>[];
}

/** An isolated CLI environment: config + state in temp dirs, API URL and token preset. */
export class CliEnv {
  readonly home = mkdtempSync(path.join(tmpdir(), 'piximmo-cli-'));
  readonly env: NodeJS.ProcessEnv;

  constructor(apiUrl: string, token?: string, extra: NodeJS.ProcessEnv = {}) {
    this.env = {
      PATH: process.env.PATH,
      HOME: this.home,
      PIXIMMO_CONFIG_DIR: path.join(this.home, 'config'),
      PIXIMMO_STATE_DIR: path.join(this.home, 'state'),
      PIXIMMO_API_URL: apiUrl,
      ...(token ? { PIXIMMO_TOKEN: token } : {}),
      LANG: 'en_US.UTF-8',
      NO_COLOR: '1',
      // CI: each spawned CLI leaves V8 block coverage here (scripts/cli-coverage.mjs sums it up).
      ...(process.env.PIXIMMO_CLI_COVERAGE ? { NODE_V8_COVERAGE: process.env.PIXIMMO_CLI_COVERAGE } : {}),
      ...extra,
    };
  }

  /** Starts the CLI; resolve `done` for the result. */
  spawn(
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; cwd?: string; prefix?: string[]; input?: string } = {},
  ): { child: ChildProcess; done: Promise<CliResult>; output: () => { stdout: string; stderr: string } } {
    // `prefix` runs the CLI through another program (e.g. setpriv, to drop root for a permission test).
    const [cmd, ...rest] = [...(opts.prefix ?? []), ...cliCommand(), ...args];
    const child = spawn(cmd, rest, {
      cwd: opts.cwd ?? repoRoot,
      env: { ...this.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input); // e.g. a token for `login --with-token`
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<CliResult>((resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, events: parseNdjson(stdout) }));
    });
    return { child, done, output: () => ({ stdout, stderr }) };
  }

  run(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; prefix?: string[]; input?: string } = {}): Promise<CliResult> {
    return this.spawn(args, opts).done;
  }

  cleanup(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** Polls `cond` every 50 ms until it holds or `ms` pass; returns whether it held. */
export async function waitFor(cond: () => boolean, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

export function parseNdjson(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not an event
    }
  }
  return out;
}
