#!/usr/bin/env node
// `npm run types` — regenerates src/server/worker-configuration.d.ts (the `Cloudflare.Env` bindings that
// src/server/env.ts extends) with `wrangler types` from wrangler.toml alone; `--check` (CI) fails when the
// checked-in file differs from a fresh generation (rerun `npm run types` after changing wrangler.toml).
// wrangler types also reads a developer's .dev.vars; to give the same file on every machine it runs in a
// temp folder holding only wrangler.toml. Runtime types come from @cloudflare/workers-types (tsconfig),
// not from here (--include-runtime=false); vars are typed `string` (--strict-vars=false).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REL = 'src/server/worker-configuration.d.ts';
const check = process.argv.includes('--check');
const tmp = mkdtempSync(path.join(tmpdir(), 'piximmo-types-'));
try {
  copyFileSync(path.join(root, 'wrangler.toml'), path.join(tmp, 'wrangler.toml'));
  mkdirSync(path.join(tmp, path.dirname(REL)), { recursive: true });
  const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');
  const r = spawnSync(wrangler, ['types', '--include-runtime=false', '--strict-vars=false', REL], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  if (r.status !== 0) {
    process.stderr.write(`wrangler types failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  const fresh = readFileSync(path.join(tmp, REL), 'utf8');
  const target = path.join(root, REL);
  if (check) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== fresh) {
      process.stderr.write(`${REL} is not what wrangler types makes of wrangler.toml: run npm run types and commit it\n`);
      const diff = spawnSync('diff', ['-u', target, path.join(tmp, REL)], { encoding: 'utf8' });
      process.stderr.write(diff.stdout);
      process.exit(1);
    }
    process.stderr.write(`${REL} is up to date\n`);
  } else {
    writeFileSync(target, fresh);
    process.stderr.write(`wrote ${REL}\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
