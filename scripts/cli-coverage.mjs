#!/usr/bin/env node
// Coverage of the spawned CLI (issue 9: "the spawned CLI through NODE_V8_COVERAGE"), printed in CI's output.
//
// The end-to-end tests run the real binary (dist/cli/cli.js and its chunks) as child processes; with
// NODE_V8_COVERAGE set (test/helpers/cli.ts does it when PIXIMMO_CLI_COVERAGE names a folder) each process
// leaves V8's block coverage there. This script ORs those byte ranges per dist file, maps the bytes back to
// src/ through the chunks' source maps and prints executed bytes per src/ folder and in total.
//
// Usage: node scripts/cli-coverage.mjs [RAW_DIR=coverage/cli-raw]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rawDir = path.resolve(process.argv[2] ?? path.join(root, 'coverage/cli-raw'));
const distDir = path.join(root, 'dist/cli');
/** Node-side entries that are not the CLI (the server runner and the generators). */
const NOT_CLI = /^$/; // dist/cli holds the CLI only

if (!existsSync(rawDir)) {
  console.log(`cli coverage: no data in ${path.relative(root, rawDir)} (set PIXIMMO_CLI_COVERAGE to collect it)`);
  process.exit(0);
}

/** dist file → Uint8Array (1 = executed at least once in some process). */
const covered = new Map();
for (const name of readdirSync(rawDir)) {
  if (!name.endsWith('.json')) continue;
  let data;
  try {
    data = JSON.parse(readFileSync(path.join(rawDir, name), 'utf8'));
  } catch {
    continue; // a process killed while writing its file
  }
  for (const script of data.result ?? []) {
    if (!script.url.startsWith('file://')) continue;
    const file = fileURLToPath(script.url);
    if (path.dirname(file) !== distDir || NOT_CLI.test(path.basename(file))) continue;
    let bits = covered.get(file);
    if (!bits) {
      if (!existsSync(file)) continue;
      bits = new Uint8Array(readFileSync(file).length);
      covered.set(file, bits);
    }
    // One process's view: ranges in V8's order (outer before inner), the innermost wins.
    const mine = new Int8Array(bits.length).fill(-1);
    for (const fn of script.functions) {
      for (const r of fn.ranges) mine.fill(r.count > 0 ? 1 : 0, r.startOffset, Math.min(r.endOffset, bits.length));
    }
    for (let i = 0; i < bits.length; i++) if (mine[i] === 1) bits[i] = 1;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Decodes one source-map "mappings" segment (base64 VLQ) into numbers. */
function decodeVlq(seg) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of seg) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >> 1) : value >> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** src folder → [executed bytes, total bytes]. */
const totals = new Map();
const add = (key, hit, all) => {
  const t = totals.get(key) ?? [0, 0];
  t[0] += hit;
  t[1] += all;
  totals.set(key, t);
};
for (const file of readdirSync(distDir)) {
  if (!file.endsWith('.js') || NOT_CLI.test(file)) continue;
  const abs = path.join(distDir, file);
  const mapFile = `${abs}.map`;
  if (!existsSync(mapFile)) continue;
  const code = readFileSync(abs, 'utf8');
  const bits = covered.get(abs) ?? new Uint8Array(Buffer.byteLength(code));
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const sources = map.sources.map((s) => path.relative(root, path.resolve(distDir, s)));
  // Byte offset of each generated line (V8 offsets are in UTF-16 units; dist is ASCII in practice).
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) lineStarts.push(i + 1);
  let src = 0;
  const segments = [];
  map.mappings.split(';').forEach((line, lineNo) => {
    let col = 0;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const v = decodeVlq(seg);
      col += v[0];
      if (v.length >= 4) {
        src += v[1];
        segments.push([lineStarts[lineNo] + col, src]);
      }
    }
  });
  for (let i = 0; i < segments.length; i++) {
    const [start, s] = segments[i];
    const end = i + 1 < segments.length ? segments[i + 1][0] : code.length;
    const name = sources[s] ?? '';
    if (!name.startsWith('src/')) continue;
    let hit = 0;
    for (let b = start; b < end; b++) hit += bits[b];
    add(path.dirname(name), hit, end - start);
  }
}

const rows = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b));
let hit = 0;
let all = 0;
console.log('cli coverage (spawned binary, executed bytes of src/ as bundled):');
for (const [dir, [h, a]] of rows) {
  hit += h;
  all += a;
  console.log(`  ${dir.padEnd(28)} ${((100 * h) / Math.max(a, 1)).toFixed(1).padStart(5)} %`);
}
console.log(`  ${'all'.padEnd(28)} ${((100 * hit) / Math.max(all, 1)).toFixed(1).padStart(5)} %`);
