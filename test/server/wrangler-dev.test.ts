/**
 * Issue 14, "must be shown" 3: `npm run dev` on a fresh clone — tsup, then dist/dev-setup.js (.dev.vars from
 * the example, `wrangler d1 migrations apply --local`, the demo seed), then `wrangler dev` in local mode —
 * serves /healthz and accepts an upload from the real CLI (local signer: PUTs to the Worker's own
 * /upload/<token>). The "fresh clone" is a temp folder with the repository's tracked (and new, not
 * ignored) files and node_modules linked; nothing is written into the work tree. No network needed
 * (wrangler only warns that it cannot fetch Request.cf). Skips without git or wrangler.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv, repoRoot } from '../helpers/cli.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';

const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
const wranglerBin = path.join(repoRoot, 'node_modules', '.bin', 'wrangler');
const skip = files.status !== 0 ? 'git ls-files failed: not a git checkout' : !existsSync(wranglerBin) ? 'wrangler is not installed (npm ci)' : '';
if (skip) console.warn(`SKIP wrangler dev test: ${skip}`);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(Boolean(skip))('npm run dev (wrangler dev, local)', () => {
  const clone = mkdtempSync(path.join(tmpdir(), 'piximmo-clone-'));
  let dev: ChildProcess | undefined;
  let log = '';
  let url = '';

  beforeAll(async () => {
    const list = files.stdout.split('\0').filter((f) => f && f !== 'node_modules' && existsSync(path.join(repoRoot, f)));
    const cp = spawnSync('cp', ['--parents', '-r', ...list, clone], { cwd: repoRoot });
    if (cp.status !== 0) throw new Error(`copying the tracked files failed: ${cp.stderr}`);
    symlinkSync(realpathSync(path.join(repoRoot, 'node_modules')), path.join(clone, 'node_modules'), 'dir');
    const port = await freePort();
    dev = spawn('npm', ['run', 'dev', '--', '--port', String(port), '--ip', '127.0.0.1'], {
      cwd: clone,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', BROWSER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npm → sh → wrangler → workerd all end with it
    });
    const onData = (d: Buffer) => (log += d.toString());
    dev.stdout!.on('data', onData);
    dev.stderr!.on('data', onData);
    url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
        if (m) {
          clearInterval(timer);
          resolve(m[1]);
        }
      }, 200);
      dev!.on('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`npm run dev exited (${code}) before it was ready:\n${log.slice(-3000)}`));
      });
    });
  }, 300_000);

  afterAll(async () => {
    if (dev?.pid && dev.exitCode === null) {
      const gone = new Promise((r) => dev!.once('exit', r));
      try {
        process.kill(-dev.pid, 'SIGTERM');
      } catch {}
      const t = setTimeout(() => {
        try {
          process.kill(-dev!.pid!, 'SIGKILL');
        } catch {}
      }, 10_000);
      await gone;
      clearTimeout(t);
    }
    rmSync(clone, { recursive: true, force: true });
  }, 30_000);

  it('sets up .dev.vars (local signer, random secret), migrations and the seed', () => {
    const vars = readFileSync(path.join(clone, '.dev.vars'), 'utf8');
    expect(vars).toMatch(/^SIGNER=local$/m);
    expect(vars).toMatch(/^LOCAL_SIGNING_SECRET=[0-9a-f]{64}$/m);
    // wrangler.toml's clamd is not here: without this every file would sit in `processing` through the scan's
    // retries, and the upload's closing check would wait its 60 s for them.
    expect(vars).toMatch(/^SCANNER=none$/m);
    expect(log).toContain('0001_init.sql');
    expect(log).toContain('demo seed loaded');
  });

  it('serves /healthz', async () => {
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('accepts an upload from the CLI, listed in the order afterwards', async () => {
    const shoot = path.join(clone, 'tmp-shoot');
    mkdirSync(path.join(shoot, 'Küche', 'g1'), { recursive: true });
    for (const s of [1, 2, 3]) writeFileSync(path.join(shoot, 'Küche', 'g1', `IMG_${s}.JPG`), makeJpeg({ seed: 900 + s }));
    const cli = new CliEnv(url, 'tok-alice');
    try {
      const r = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
      expect(r.code, `${r.stderr}\n${log.slice(-2000)}`).toBe(0);
      const summary = r.events.find((e) => e.event === 'summary') as { registered: number };
      expect(summary.registered).toBe(3);
      const list = (await (await fetch(`${url}/api/orders/ORD-1/files`, { headers: { authorization: 'Bearer tok-alice' } })).json()) as { files: unknown[] };
      expect(list.files.length).toBeGreaterThanOrEqual(3);
    } finally {
      cli.cleanup();
    }
  }, 120_000);
});
