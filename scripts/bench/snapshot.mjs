// A private copy of the build the bench measures. The work tree is shared, and any `tsup` run (npm test's
// pretest, npm run server, …) empties dist/ first (clean: true) — in the middle of a 12-minute bench that
// kills servers and CLI runs. So the bench copies package.json, bin/, dist/ and migrations/ into its temp
// folder once, links node_modules, and runs everything from there (the server finds its root by the
// package.json named "piximmo", src/server/local/paths.ts).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';

const NEEDED = ['dist/cli/main.js', 'dist/local-server.js', 'dist/worker.js', 'bin/piximmo.js'];

/** Copies the build to `dest`; returns `dest`. Throws Error when the copy is incomplete or does not run. */
export function snapshotBuild(root, dest) {
  for (const f of NEEDED) if (!existsSync(path.join(root, f))) throw new Error(`${f} is missing: build first (npm run build, or run the bench as npm run bench)`);
  mkdirSync(dest, { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(dest, 'package.json'));
  for (const d of ['bin', 'dist', 'migrations']) cpSync(path.join(root, d), path.join(dest, d), { recursive: true });
  const seed = path.join(root, 'fixtures', 'demo-seed.json');
  if (existsSync(seed)) cpSync(seed, path.join(dest, 'fixtures', 'demo-seed.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'), 'dir');
  for (const f of NEEDED) if (!existsSync(path.join(dest, f))) throw new Error(`copying the build: ${f} vanished (a build ran at the same moment?): try again`);
  // A dist/ caught half-written by a concurrent build shows here rather than in the first measured run.
  const check = spawnSync(process.execPath, [path.join(dest, 'bin', 'piximmo.js'), '--help'], { encoding: 'utf8', timeout: 30_000 });
  if (check.status !== 0) throw new Error(`the copied build does not run (piximmo --help exited ${check.status}): ${check.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return dest;
}

/** HEAD commit and whether the work tree had uncommitted changes (the build may contain them). */
export function gitState(root) {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
  return {
    commit: head.status === 0 ? head.stdout.trim() : null,
    uncommitted_changes: dirty.status === 0 ? dirty.stdout.trim().split('\n').filter(Boolean).length : null,
  };
}
