/**
 * Issue 14, "must be shown" 1: the npm package. `npm pack` → `npm install -g` into an empty prefix →
 * the installed `piximmo --version` and an upload of fixtures/demo-shoot to the local server
 * (`node dist/local-server.js --port 0`); the installed size is printed and must stay ≤ 25 MB.
 *
 * `npm pack --ignore-scripts`: the suite's pretest has just built dist/, and `prepack` (tsup, which
 * empties dist/) must not run while other test files use it. The install is `--offline` (the runtime
 * dependencies come from npm's cache, filled by `npm ci`); where npm cannot install offline the tests
 * skip and say why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, repoRoot } from '../helpers/cli.js';
import { startRunner, type RunnerServer } from '../helpers/runner.js';

/** Issue 14: the installed package must stay at or under 25 MB. */
const MAX_INSTALLED_BYTES = 25_000_000;
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

/** Sum of the sizes of every file below `dir` (bytes; symlinks counted as links, not followed). */
function treeBytes(dir: string): number {
  let sum = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sum += treeBytes(p);
    else sum += lstatSync(p).size;
  }
  return sum;
}

describe('npm package: pack, install into an empty prefix, run', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'piximmo-pack-'));
  const prefix = path.join(work, 'prefix');
  let tarball = '';
  let packed: string[] = [];
  let skipReason: string | undefined;
  let server: RunnerServer | undefined;

  beforeAll(async () => {
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
    const info = JSON.parse(pack.stdout) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[];
    tarball = path.join(work, info[0].filename);
    packed = info[0].files.map((f) => f.path);
    console.log(`npm pack: ${info[0].filename}, ${info[0].size} bytes packed, ${info[0].unpackedSize} unpacked, ${packed.length} files`);
    const inst = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], {
      cwd: work,
      encoding: 'utf8',
    });
    if (inst.status !== 0) {
      skipReason = `npm cannot install the package offline here (the runtime dependencies are not in npm's cache; run npm ci first): ${inst.stderr.trim().split('\n').slice(-3).join(' | ')}`;
      console.warn(`SKIP: ${skipReason}`);
      return;
    }
    server = await startRunner();
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('contains the built CLI, its launcher, README and license only', () => {
    for (const f of packed) expect(f).toMatch(/^(bin\/piximmo\.js|dist\/cli\/[\w-]+\.js|README\.md|LICENSE|package\.json)$/);
    for (const f of ['bin/piximmo.js', 'dist/cli/main.js', 'README.md', 'LICENSE', 'package.json']) expect(packed).toContain(f);
  });

  it('installs with a working piximmo --version, ≤ 25 MB', (ctx) => {
    if (skipReason) ctx.skip();
    const bytes = treeBytes(prefix);
    console.log(`installed size: ${bytes} bytes (${(bytes / 1e6).toFixed(1)} MB) in ${prefix}`);
    expect(bytes).toBeLessThanOrEqual(MAX_INSTALLED_BYTES);
    const v = spawnSync(path.join(prefix, 'bin', 'piximmo'), ['--version'], { cwd: work, encoding: 'utf8' });
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
  });

  it('uploads the demo shoot to the local server', async (ctx) => {
    if (skipReason || !server) ctx.skip();
    const home = path.join(work, 'home');
    const child = spawn(path.join(prefix, 'bin', 'piximmo'), ['upload', path.join(repoRoot, 'fixtures/demo-shoot'), '--order', 'ORD-1', '--json'], {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        PIXIMMO_CONFIG_DIR: path.join(home, 'config'),
        PIXIMMO_STATE_DIR: path.join(home, 'state'),
        PIXIMMO_API_URL: server!.url,
        PIXIMMO_TOKEN: 'tok-alice',
        LANG: 'en_US.UTF-8',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const summary = parseNdjson(stdout).find((e) => e.event === 'summary') as { files: number; registered: number; failed: number } | undefined;
    expect(code, stderr).toBe(0);
    expect(summary?.files).toBe(39);
    expect(summary?.registered).toBe(39);
    expect(summary?.failed).toBe(0);
  }, 180_000);
});
