/**
 * `npm run dev` before `wrangler dev` (issue 14; dist/dev-setup.js): makes a fresh clone ready for the
 * Worker under wrangler, in the repository root (process.cwd()):
 * 1. `.dev.vars` from `.dev.vars.example` when missing — the local signer (SIGNER=local, STORE=r2), no scan
 *    (SCANNER=none: wrangler.toml names a clamd that is not here) and a
 *    random LOCAL_SIGNING_SECRET; wrangler dev reads it over wrangler.toml's [vars]. Never committed.
 * 2. `wrangler d1 migrations apply DB --local` (migrations/, wrangler's own bookkeeping in .wrangler/state);
 * 3. the demo seed (fixtures/demo-seed.json: alice/tok-alice with ORD-1, …) through
 *    `wrangler d1 execute DB --local --file`, idempotent (upserts).
 * Exit 1 with wrangler's output when a step fails. Extra arguments are ignored (they are wrangler dev's).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSeed } from './seed.js';
import { seedSql } from './seed-sql.js';

const root = process.cwd();

function wrangler(args: string[]): void {
  const r = spawnSync('npx', ['--no-install', 'wrangler', ...args], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? 'false', CI: process.env.CI ?? 'true' },
  });
  if (r.status !== 0) {
    process.stderr.write(`dev setup: wrangler ${args.join(' ')} failed (exit ${r.status})\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const vars = join(root, '.dev.vars');
  if (!existsSync(vars)) {
    const example = readFileSync(join(root, '.dev.vars.example'), 'utf8');
    writeFileSync(vars, example.replace(/^LOCAL_SIGNING_SECRET=.*$/m, `LOCAL_SIGNING_SECRET=${randomBytes(32).toString('hex')}`), { mode: 0o600 });
    process.stderr.write('dev setup: wrote .dev.vars from .dev.vars.example (local signer, random signing secret)\n');
  }
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local']);
  const dir = mkdtempSync(join(tmpdir(), 'piximmo-seed-'));
  try {
    const file = join(dir, 'seed.sql');
    writeFileSync(file, await seedSql(loadSeed(join(root, 'fixtures', 'demo-seed.json'))));
    wrangler(['d1', 'execute', 'DB', '--local', '--file', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write('dev setup: migrations applied, demo seed loaded (alice / tok-alice, ORD-1)\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`dev setup failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
