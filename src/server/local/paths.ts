/**
 * Locating the package root (the directory whose package.json is named "piximmo"), so the local
 * server finds dist/worker.js, migrations/ and fixtures/ wherever it runs from — from the TypeScript
 * source (tests) or from a bundled chunk in dist/ — independent of process.cwd().
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Absolute path of the package root; throws Error when none is found above this module. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'piximmo') return (cached = dir);
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`piximmo package root not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const workerScriptPath = (): string => join(packageRoot(), 'dist', 'worker.js');
export const migrationsDir = (): string => join(packageRoot(), 'migrations');
export const defaultSeedPath = (): string => join(packageRoot(), 'fixtures', 'demo-seed.json');
