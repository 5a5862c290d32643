/**
 * Issue 15, `--help` ≤ 1.3 × `node -e 0`: what the commands that only print load, through the real CLI
 * (node bin/piximmo.js → dist/cli). `--help`, `upload --help` and `--version` load the launcher,
 * dist/cli/main.js (commander bundled in) and its start chunks (messages, version, esbuild's helpers) only:
 * no command module, nothing from node_modules, neither node:child_process (commander's, for executable
 * subcommands, of which piximmo has none) nor node:v8. A command that works loads node:v8 for its V8 flags
 * (src/cli/v8-tuning.ts: the peak-RSS settings of issue 5). `completion bash` is not one of the light ones
 * yet: it runs through the commands' path (context.ts), which loads the API client and the settings store.
 * The timing itself is the bench's (`npm run bench -- --only help`), never an assertion here.
 *
 * ES modules are read from NODE_DEBUG=esm ("Storing <url> in ModuleLoadMap"), CommonJS files from
 * NODE_DEBUG=module, Node's own modules from process.moduleLoadList (printed at exit by a preload).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath } from '../helpers/cli.js';

interface Loaded {
  status: number | null;
  esm: string[];
  cjs: string[];
  builtins: string[];
}

describe('start-up: what the commands that only print load', () => {
  let work: string;
  let preload: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'piximmo-startup-'));
    preload = path.join(work, 'builtins.cjs');
    writeFileSync(
      preload,
      "process.on('exit', () => process.stderr.write('BUILTINS ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(',') + '\\n'));\n",
    );
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  function load(args: string[]): Loaded {
    const r = spawnSync(process.execPath, ['-r', preload, binPath, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        NODE_DEBUG: 'esm,module',
        PIXIMMO_CONFIG_DIR: path.join(work, 'config'),
        PIXIMMO_STATE_DIR: path.join(work, 'state'),
      },
    });
    const esm = [...r.stderr.matchAll(/Storing (file:\S+) /g)].map((m) => m[1]);
    const cjs = [...r.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => m[1]).filter((f) => f !== preload);
    const builtins = /^BUILTINS (.*)$/m.exec(r.stderr)?.[1].split(',') ?? [];
    return { status: r.status, esm, cjs, builtins };
  }

  for (const args of [['--help'], ['upload', '--help'], ['--version'], ['--help', '--lang', 'de']]) {
    it(`piximmo ${args.join(' ')}: launcher, main.js and its start chunks only`, () => {
      const l = load(args);
      expect(l.status).toBe(0);
      const names = l.esm.map((u) => path.relative(path.dirname(path.dirname(binPath)), new URL(u).pathname));
      expect(names).toContain('bin/piximmo.js');
      expect(names).toContain('dist/cli/main.js');
      const others = names.filter((n) => n !== 'bin/piximmo.js' && n !== 'dist/cli/main.js');
      for (const n of others) expect(n).toMatch(/^dist\/cli\/chunk-[\w-]+\.js$/);
      // messages, version, esbuild's helpers, and at most one shim of a Node built-in that esbuild split out
      // because another chunk shares it (node-builtin:events, 18 lines)
      expect(others.length).toBeLessThanOrEqual(4);
      expect(names.filter((n) => n.includes('node_modules'))).toEqual([]);
      expect(l.cjs).toEqual([]);
      expect(l.builtins).not.toContain('child_process');
      expect(l.builtins).not.toContain('v8');
    });
  }

  it('a command that works loads node:v8 for its V8 flags', () => {
    const l = load(['status', work, '--order', 'ORD-1']);
    expect(l.builtins).toContain('v8');
  });

  it('a command with the API client loads undici without node:http2 (or node:tls for an http origin)', () => {
    // scripts/build/node-builtins.mjs: undici's client-h2.js reads only http2's constants when it loads
    // (copied in at build time); HTTP/2 itself is never asked for, TLS is loaded by the first https connect.
    const l = load(['upload', work, '--order', 'ORD-1', '--dry-run', '--api-url', 'http://127.0.0.1:9']);
    expect(l.status).toBe(0);
    expect(l.builtins).toContain('http'); // undici's is loaded: the check below means something
    expect(l.builtins).not.toContain('http2');
    expect(l.builtins).not.toContain('tls');
  });
});
