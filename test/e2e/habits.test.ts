/**
 * Issue 14, "habits users expect", through the real CLI: --version from package.json; --help with
 * examples, environment variables and exit codes (both languages); shell completion that loads in bash
 * (`source <(piximmo completion bash); complete -p piximmo`) and completes; --verbose and DEBUG=piximmo
 * log requests on stderr without the token or signed-URL secrets; on a terminal (a pty from `script`)
 * TERM=dumb gives no escape code at all and NO_COLOR no colour code.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv, cliCommand, repoRoot } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

describe('habits', () => {
  let server: TestServer;
  let cli: CliEnv;
  let work: string;
  let binDir: string;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    cli = new CliEnv(server.url, 'tok-alice');
    work = mkdtempSync(path.join(tmpdir(), 'piximmo-habits-'));
    // `piximmo` on PATH, as an installed CLI is.
    binDir = path.join(work, 'bin');
    mkdirSync(binDir);
    writeFileSync(path.join(binDir, 'piximmo'), `#!/bin/sh\nexec ${cliCommand().map(q).join(' ')} "$@"\n`);
    chmodSync(path.join(binDir, 'piximmo'), 0o755);
  });

  afterAll(async () => {
    cli?.cleanup();
    rmSync(work, { recursive: true, force: true });
    await server?.close();
  });

  function shoot(name: string, seeds: number[]): string {
    const dir = path.join(work, name, 'Bad', 'g1');
    mkdirSync(dir, { recursive: true });
    for (const s of seeds) writeFileSync(path.join(dir, `IMG_${s}.JPG`), makeJpeg({ seed: s }));
    return path.join(work, name);
  }

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = await cli.run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('--help shows examples, the environment variables and the exit codes, in English and German', async () => {
    const en = await cli.run(['--help']);
    expect(en.code).toBe(0);
    for (const s of ['Examples:', 'piximmo upload ./', 'Environment:', 'PIXIMMO_API_URL', 'HTTPS_PROXY', 'NODE_EXTRA_CA_CERTS', 'NO_COLOR', 'DEBUG=piximmo', 'Exit codes:', '130 interrupted', '--verbose', 'completion']) {
      expect(en.stdout).toContain(s);
    }
    const de = await cli.run(['--help', '--lang', 'de']);
    for (const s of ['Beispiele:', 'Umgebung:', 'Exit-Codes:', '4 Auftrag nicht erlaubt']) expect(de.stdout).toContain(s);
  });

  it('completion bash loads (complete -p piximmo) and completes commands and options', () => {
    const run = (script: string) =>
      spawnSync('bash', ['-c', script], { env: { ...cli.env, PATH: `${binDir}:${process.env.PATH}` }, encoding: 'utf8' });
    const loaded = run('source <(piximmo completion bash); complete -p piximmo');
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.stdout).toMatch(/complete .*-F _piximmo piximmo/);
    const words = (line: string, cword: number) =>
      run(`source <(piximmo completion bash); COMP_WORDS=(${line}); COMP_CWORD=${cword}; _piximmo; echo "\${COMPREPLY[*]}"`).stdout.trim();
    expect(words('piximmo up', 1)).toBe('upload');
    expect(words('piximmo upload --ord', 2)).toBe('--order');
    expect(words('piximmo upload --lang ""', 3)).toBe('de en');
    expect(words('piximmo completion ""', 2)).toBe('bash zsh fish');
  });

  it('completion zsh and fish print scripts (run by the shells where installed); an unknown shell is exit 2', async () => {
    const zsh = await cli.run(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef piximmo/);
    expect(zsh.stdout).toContain("'upload:upload shoot folders into an order'");
    const fish = await cli.run(['completion', 'fish']);
    expect(fish.code).toBe(0);
    expect(fish.stdout).toContain("complete -c piximmo -n '__fish_seen_subcommand_from upload' -l order -r");
    if (has('zsh')) {
      const f = path.join(work, '_piximmo');
      writeFileSync(f, zsh.stdout);
      expect(spawnSync('zsh', ['-n', f]).status).toBe(0);
    } else console.log('zsh not installed: the zsh script is checked for its shape only');
    if (has('fish')) {
      const f = path.join(work, 'piximmo.fish');
      writeFileSync(f, fish.stdout);
      expect(spawnSync('fish', ['-n', f]).status).toBe(0);
    } else console.log('fish not installed: the fish script is checked for its shape only');
    const bad = await cli.run(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown shell tcsh');
  });

  it('--verbose and DEBUG=piximmo log every request on stderr, without the token or URL secrets', async () => {
    for (const [args, env] of [
      [['--verbose'], {}],
      [[], { DEBUG: 'other,piximmo' }],
    ] as const) {
      const dir = shoot(`verbose-${args.length}`, args.length ? [1, 2] : [3, 4]);
      const r = await cli.run(['upload', dir, '--order', 'ORD-1', ...args], { env });
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('piximmo: '));
      expect(lines.filter((l) => /^piximmo: POST http:\/\/127\.0\.0\.1:\d+\/api\/uploads\/intents? → 20\d \(\d+ ms\)$/.test(l)).length).toBeGreaterThanOrEqual(1);
      const puts = lines.filter((l) => l.startsWith('piximmo: PUT '));
      expect(puts).toHaveLength(2);
      for (const l of puts) expect(l).toMatch(/\/upload\/… → 20\d/);
      expect(r.stderr).not.toContain('tok-alice');
    }
    const quiet = await cli.run(['upload', shoot('quiet', [5]), '--order', 'ORD-1']);
    expect(quiet.stderr).not.toContain('piximmo: POST');
  });

  describe.skipIf(!has('script'))('on a terminal (pty from util-linux script)', () => {
    function onPty(dir: string, env: Record<string, string>): string {
      const vars = Object.entries({ ...cli.env, ...env })
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${q(v!)}`)
        .join(' ');
      const cmd = `stty cols 120 rows 40; env -i ${vars} ${cliCommand().map(q).join(' ')} upload ${q(dir)} --order ORD-1`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 200_000, stdio: ['ignore', 'pipe', 'pipe'] });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/2 of 2 files registered/);
      return r.stdout;
    }

    it('TERM=dumb: plain lines, no escape code at all', () => {
      const out = onPty(shoot('dumb', [21, 22]), { TERM: 'dumb' });
      expect(out).not.toContain('\x1b');
    }, 240_000);

    it('NO_COLOR: the live view without colour codes (and with colour codes when NO_COLOR is unset)', () => {
      const sgr = /\x1b\[[0-9;]*m/;
      const plain = onPty(shoot('nocolor', [31, 32]), { TERM: 'xterm-256color', NO_COLOR: '1' });
      expect(plain).toContain('\x1b['); // it is the live view
      expect(plain).not.toMatch(sgr);
      const colour = onPty(shoot('colour', [41, 42]), { TERM: 'xterm-256color', NO_COLOR: '' });
      expect(colour).toMatch(sgr);
    }, 480_000);
  });
});
