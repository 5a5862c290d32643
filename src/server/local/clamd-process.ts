/**
 * A private clamd for the local server (`--scanner auto`) and the tests (test/helpers/clamd.ts), issue 16:
 * Debian's clamd (package clamav-daemon) in foreground mode on a free 127.0.0.1 TCP port, with a temporary
 * DatabaseDirectory holding test signatures only — there is no network for freshclam here:
 *   - `eicar.hdb`: `sigtool --md5` of the EICAR test file (MD5:size:name; matches the file exactly);
 *   - `eicar.ndb`: a body signature of the EICAR string (`sigtool --hex-dump`), target any, offset any —
 *     it matches the string anywhere in a stream, e.g. appended to a JPEG or inside a scan window.
 * Both are named `Eicar-Test-Signature`; clamd reports them as `Eicar-Test-Signature.UNOFFICIAL`.
 * Without sigtool the same lines are computed here (node:crypto), byte for byte what sigtool writes.
 *
 * clamd runs in its own process group under a watchdog shell that ends it within a second of its owner's
 * death (however the owner died); `stop()` ends the group (TERM, then KILL after 5 s), and a process exit
 * hook kills every group still running, so no clamd outlives its owner. `start()` after `stop()`
 * starts it again on the same port (clamd "back" after an outage).
 * Throws Error when clamd is not installed, cannot bind, or does not answer PING within `readyTimeoutMs`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClamdClient } from '../scan/clamd.js';
import { nodeConnect } from './node-socket.js';

/** The EICAR anti-virus test string (68 bytes), assembled here so this source file itself is no test file. */
export function eicarTestString(): string {
  return ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS', '-TEST-FILE!$H+H*'].join('');
}

/** Name of the test signatures; clamd appends ".UNOFFICIAL". */
export const EICAR_SIGNATURE = 'Eicar-Test-Signature';

export interface ClamdTools {
  /** Path of clamd, or null when not installed. */
  clamd: string | null;
  /** Path of sigtool, or null. */
  sigtool: string | null;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function which(name: string, extra: string[]): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...extra];
  for (const d of dirs) if (executable(join(d, name))) return join(d, name);
  return null;
}

/** A tool named by an environment variable: "none" = not installed, a path = that program. */
function fromEnv(v: string | undefined): string | null | undefined {
  if (v === undefined || v === '') return undefined;
  return v === 'none' || !executable(v) ? null : v;
}

/**
 * Finds clamd (also in /usr/sbin, where Debian puts it) and sigtool. PIXIMMO_CLAMD / PIXIMMO_SIGTOOL name
 * other programs, or "none" to act as if they were not installed (how the tests' skip path is tried).
 */
export function findClamdTools(env: NodeJS.ProcessEnv = process.env): ClamdTools {
  const clamd = fromEnv(env.PIXIMMO_CLAMD);
  const sigtool = fromEnv(env.PIXIMMO_SIGTOOL);
  return {
    clamd: clamd !== undefined ? clamd : which('clamd', ['/usr/sbin', '/usr/local/sbin']),
    sigtool: sigtool !== undefined ? sigtool : which('sigtool', ['/usr/bin', '/usr/local/bin']),
  };
}

/** Writes eicar.hdb and eicar.ndb into `dbDir` (with sigtool when given). */
export function writeTestSignatures(dbDir: string, sigtool: string | null): void {
  mkdirSync(dbDir, { recursive: true });
  const eicar = Buffer.from(eicarTestString(), 'latin1');
  let hdb: string;
  let hex: string;
  if (sigtool) {
    const work = mkdtempSync(join(tmpdir(), 'piximmo-sig-'));
    try {
      const sample = join(work, EICAR_SIGNATURE);
      writeFileSync(sample, eicar);
      hdb = execFileSync(sigtool, ['--md5', sample], { cwd: work, encoding: 'utf8' }).trim().replace(/^([0-9a-f]+:\d+:).*$/, `$1${EICAR_SIGNATURE}`);
      hex = execFileSync(sigtool, ['--hex-dump'], { input: eicar, encoding: 'utf8' }).trim();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  } else {
    hdb = `${createHash('md5').update(eicar).digest('hex')}:${eicar.length}:${EICAR_SIGNATURE}`;
    hex = eicar.toString('hex');
  }
  writeFileSync(join(dbDir, 'eicar.hdb'), `${hdb}\n`);
  writeFileSync(join(dbDir, 'eicar.ndb'), `${EICAR_SIGNATURE}:0:*:${hex}\n`);
}

/** A free TCP port on 127.0.0.1 (bound and released; a race with another process is possible). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ClamdProcessOptions {
  /** TCP port; default a free one. */
  port?: number;
  /** clamd's StreamMaxLength in bytes; default 25 MiB (Debian's). */
  streamMaxLength?: number;
  /** Milliseconds to wait for PONG; default 60000. */
  readyTimeoutMs?: number;
  tools?: ClamdTools;
}

export interface ClamdProcess {
  /** "clamd://127.0.0.1:<port>" — the SCANNER setting. */
  url: string;
  port: number;
  /** The temporary directory (config, db/, log). */
  dir: string;
  /** StreamMaxLength in bytes. */
  streamMaxLength: number;
  /** Pid of the running clamd's process group (its watchdog shell), or null while stopped. */
  pid(): number | null;
  /** Stops clamd (process group); the directory stays for start(). */
  stop(): Promise<void>;
  /** Starts clamd again on the same port. */
  start(): Promise<void>;
  /** stop() and remove the directory. */
  dispose(): Promise<void>;
}

/**
 * clamd under a watchdog shell, both in one new process group: the shell ends clamd when its owner (the
 * Node process, $3) is gone — even after a SIGKILL no exit hook sees — and exits when clamd does.
 */
const WATCHDOG = [
  '"$1" -c "$2" & c=$!',
  "trap 'kill $c 2>/dev/null; wait $c; exit 0' TERM INT",
  'while kill -0 "$3" 2>/dev/null && kill -0 $c 2>/dev/null; do sleep 1 & wait $!; done',
  'kill $c 2>/dev/null; wait $c',
].join('\n');

const running = new Set<ChildProcess>();
let exitHook = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function logTail(dir: string): string {
  for (const f of ['clamd.out', 'clamd.log']) {
    try {
      const t = readFileSync(join(dir, f), 'utf8').trim().split('\n').slice(-5).join(' | ');
      if (t) return t;
    } catch {
      // no log yet
    }
  }
  return '(no output)';
}

/** Starts a private clamd (see the file comment). */
export async function startClamd(opts: ClamdProcessOptions = {}): Promise<ClamdProcess> {
  const tools = opts.tools ?? findClamdTools();
  if (!tools.clamd) throw new Error('clamd is not installed (Debian: apt-get install clamav-daemon)');
  const clamdPath = tools.clamd;
  const dir = mkdtempSync(join(tmpdir(), 'piximmo-clamd-'));
  const streamMax = opts.streamMaxLength ?? 25 * 1024 * 1024;
  const readyTimeout = opts.readyTimeoutMs ?? 60_000;
  writeTestSignatures(join(dir, 'db'), tools.sigtool);
  mkdirSync(join(dir, 'tmp'));
  const port = opts.port ?? (await freePort());
  const conf = join(dir, 'clamd.conf');
  writeFileSync(
    conf,
    [
      'Foreground yes',
      `DatabaseDirectory ${join(dir, 'db')}`,
      `TemporaryDirectory ${join(dir, 'tmp')}`,
      'TCPAddr 127.0.0.1',
      `TCPSocket ${port}`,
      `LogFile ${join(dir, 'clamd.log')}`,
      `StreamMaxLength ${streamMax}`,
      'MaxThreads 4',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  const client = new ClamdClient({ hostname: '127.0.0.1', port, connect: nodeConnect, timeoutMs: 2000 });

  async function start(): Promise<void> {
    if (child) return;
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const c of running) killGroup(c, 'SIGKILL');
      });
    }
    const out = openSync(join(dir, 'clamd.out'), 'a');
    const c = spawn('/bin/sh', ['-c', WATCHDOG, 'clamd-watchdog', clamdPath, conf, String(process.pid)], {
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    child = c;
    running.add(c);
    let exited = false;
    c.once('exit', () => {
      exited = true;
      running.delete(c);
      if (child === c) child = null;
    });
    const deadline = Date.now() + readyTimeout;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`clamd exited while starting on port ${port}: ${logTail(dir)}`);
      if (await client.ping()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    killGroup(c, 'SIGKILL');
    throw new Error(`clamd did not answer PING on port ${port} within ${readyTimeout} ms: ${logTail(dir)}`);
  }

  async function stop(): Promise<void> {
    const c = child;
    if (!c) return;
    const gone = new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
    killGroup(c, 'SIGTERM');
    const t = setTimeout(() => killGroup(c, 'SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
    child = null;
  }

  try {
    await start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `clamd://127.0.0.1:${port}`,
    port,
    dir,
    streamMaxLength: streamMax,
    pid: () => child?.pid ?? null,
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
