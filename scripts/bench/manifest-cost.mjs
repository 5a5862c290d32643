#!/usr/bin/env node
// The manifest's cost per update against the shoot's size (issue 15: "the manifest's cost per update
// independent of the shoot's size"): for each N, a manifest of N registered entries is written, then U single-
// entry updates are made, each followed by flush() (one coalesced write on disk: a journal line + fsync now,
// the whole JSON before), and the wall and CPU time per update are printed as JSON lines.
//   node scripts/bench/manifest-cost.mjs [--from DIR] [--updates U] [N ...]      (default N: 1000 20000, U 300)
// --from DIR: the manifest.ts of another checkout (e.g. an older commit's worktree) — a "before" figure.
// The TypeScript source is bundled with esbuild (tsup's dependency) into a temp folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values, positionals } = parseArgs({ options: { from: { type: 'string' }, updates: { type: 'string', default: '300' } }, allowPositionals: true });
const src = path.join(path.resolve(values.from ?? ROOT), 'src/core/transfer/manifest.ts');
const sizes = positionals.length ? positionals.map(Number) : [1000, 20_000];
const updates = Number(values.updates);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'piximmo-manifest-cost-'));
try {
  const entry = path.join(tmp, 'entry.ts');
  writeFileSync(entry, `export { ManifestStore } from ${JSON.stringify(src)};\n`);
  const { build } = await import('esbuild');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: path.join(tmp, 'm.mjs'), logLevel: 'silent' });
  const { ManifestStore } = await import(pathToFileURL(path.join(tmp, 'm.mjs')).href);
  for (const n of sizes) {
    const file = path.join(tmp, `m-${n}.json`);
    const { store } = await ManifestStore.open(file, { root: '/r', orderId: 'O', apiUrl: 'http://x' });
    for (let i = 0; i < n; i++) {
      store.set(`Raum 1/IMG_${i}.JPG`, {
        bytes: 50_000 + i, mtime_ms: 1_700_000_000_000 + i, checksum: 'c'.repeat(64), state: 'registered', room_type: 'living_room', stack_id: `g${i}`,
        object_key: `user/alice/orders/B-1/raw/2026-11-30_SHB1_living_room_g${i}_v1.jpg`, file_id: `f_${String(i).padStart(22, 'x')}`, attempts: 1, updated_at: '',
      });
    }
    await store.flush();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let u = 0; u < updates; u++) {
      store.patch(`Raum 1/IMG_${u % n}.JPG`, { attempts: u + 2 });
      await store.flush();
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(`${JSON.stringify({ manifest: src, entries: n, updates, ms_per_update: +(ms / updates).toFixed(3), cpu_ms_per_update: +((cpu.user + cpu.system) / 1000 / updates).toFixed(3), load: os.loadavg()[0] })}\n`);
    await store.close();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
