/**
 * Child of the manifest lock race test (test/core/manifest-lock-race.test.ts), bundled with esbuild at test
 * time: waits until `startAt` (epoch ms), tries to open the manifest and prints `held` or `locked`. Each child
 * marks its attempt with a file; a holder keeps the lock until both children have attempted, so "held" twice
 * can only mean that both held it at the same time.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ManifestLockedError, ManifestStore } from '../../../src/core/transfer/manifest.js';

const [file, startAt] = [process.argv[2], Number(process.argv[3])];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const marked = async () => (await fsp.readdir(path.dirname(file))).filter((n) => n.startsWith('attempt-')).length;

await sleep(startAt - Date.now());
let result: string;
let store: ManifestStore | undefined;
try {
  store = (await ManifestStore.open(file, { root: '/r', orderId: 'O', apiUrl: 'http://x' })).store;
  result = 'held';
} catch (err) {
  result = err instanceof ManifestLockedError ? 'locked' : `error ${(err as Error).message}`;
}
await fsp.writeFile(path.join(path.dirname(file), `attempt-${process.pid}`), result);
if (store) {
  const until = Date.now() + 30_000;
  while ((await marked()) < 2 && Date.now() < until) await sleep(20);
  await store.close();
}
process.stdout.write(`${result}\n`);
