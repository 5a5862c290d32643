#!/usr/bin/env node
// Where the time goes on the far link (issue 15): one piximmo run through link-proxy.mjs with the request
// log on (DEBUG=piximmo) and `--json` events, every line stamped on arrival, then a summary on stderr:
// requests by kind (count, median and p90 duration), connections the link saw, how long files spent
// waiting for an intent, on their PUT and waiting for their finalize, and how busy the uplink was.
//
//   node scripts/bench/far-link-trace.mjs [--profile hotel|4g] [--files 300] [--kb 100] [--concurrency 4]
//     [--cli-from DIR]   (the CLI built in another checkout: a "before" trace)
//
// Needs dist/ (npm run build). Keeps nothing; prints one JSON object on stdout.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadGenerator, writeWorkload } from './fixtures.mjs';
import { createLink, LINK_PROFILES } from './link-proxy.mjs';
import { countOrderFiles, startServer } from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const say = (s = '') => process.stderr.write(`${s}\n`);

const { values: o } = parseArgs({
  options: {
    profile: { type: 'string', default: 'hotel' },
    files: { type: 'string', default: '300' },
    kb: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    'cli-from': { type: 'string' },
  },
});
const profile = LINK_PROFILES[o.profile];
if (!profile) throw new Error(`--profile: unknown "${o.profile}"`);
const TMP = mkdtempSync(path.join(os.tmpdir(), 'piximmo-trace-'));
try {
  const seed = path.join(TMP, 'seed.json');
  writeFileSync(seed, JSON.stringify({ users: [{ id: 'alice', name: 'A', device_token: 'tok-alice', orders: [{ id: 'T-1', shootcode: 'SHT1' }] }] }));
  const gen = await loadGenerator(ROOT, path.join(TMP, 'gen'));
  const shoot = path.join(TMP, 'shoot');
  const sizes = await writeWorkload(gen, shoot, { groups: [{ count: Number(o.files), bytesEach: Number(o.kb) * 1000, folder: 'Wohnzimmer' }] });
  // As far-link.mjs: the server's data path only (no previews taking the client's CPU on this machine).
  const server = await startServer({ root: ROOT, stateDir: path.join(TMP, 'state'), seed, intentRate: 3, extra: ['--processing', 'off'], logFile: path.join(TMP, 'server.log') });
  const link = createLink(profile);
  const front = await link.proxy(Number(new URL(server.url).port));
  const lines = [];
  const t0 = performance.now();
  try {
    mkdirSync(path.join(TMP, 'run'));
    const env = { ...process.env, DEBUG: 'piximmo', PIXIMMO_API_URL: front.url, PIXIMMO_TOKEN: 'tok-alice', PIXIMMO_CONFIG_DIR: path.join(TMP, 'config'), PIXIMMO_STATE_DIR: path.join(TMP, 'cli-state') };
    for (const k of Object.keys(env)) if (/_proxy$/i.test(k)) delete env[k];
    const child = spawn(process.execPath, [path.join(o['cli-from'] ? path.resolve(o['cli-from']) : ROOT, 'bin/piximmo.js'), 'upload', shoot, '--order', 'T-1', '--json', '--concurrency', o.concurrency], { env, cwd: path.join(TMP, 'run') });
    const stamp = (stream, kind) => {
      let buf = '';
      stream.on('data', (d) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          lines.push({ t: performance.now() - t0, kind, text: buf.slice(0, i) });
          buf = buf.slice(i + 1);
        }
      });
    };
    stamp(child.stdout, 'out');
    stamp(child.stderr, 'err');
    const code = await new Promise((r) => child.on('exit', r));
    const wall = (performance.now() - t0) / 1000;
    const listed = await countOrderFiles(server.url, 'tok-alice', 'T-1');
    const summary = analyse(lines, { wall, code, listed, sizes, connections: link.counters.connections, up_bytes: link.counters.up, down_bytes: link.counters.down });
    say(format(summary));
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await front.close();
    await server.stop();
  }
} finally {
  rmSync(TMP, { recursive: true, force: true });
}

function analyse(lines, meta) {
  const reqs = {};
  const outcomes = {};
  const puts = [];
  for (const l of lines) {
    const m = l.kind === 'err' && /^piximmo: (\w+) (\S+) → (\S+) \((\d+) ms\)/.exec(l.text);
    if (!m) continue;
    if (!/^\d+$/.test(m[3]) || Number(m[3]) >= 400) outcomes[`${m[1]} ${m[3]}`] = (outcomes[`${m[1]} ${m[3]}`] ?? 0) + 1;
    const ms = Number(m[4]);
    const kind = `${m[1]} ${m[2].includes('/upload/') ? 'storage' : new URL(m[2]).pathname.replace(/\/[A-Za-z0-9_-]{16,}/g, '/:id')}`;
    (reqs[kind] ??= []).push(ms);
    if (m[1] === 'PUT') puts.push({ start: l.t - ms, end: l.t });
  }
  const byFile = new Map();
  const retries = {};
  for (const l of lines) {
    if (l.kind !== 'out') continue;
    let e;
    try {
      e = JSON.parse(l.text);
    } catch {
      continue;
    }
    if (e.event === 'retry') retries[e.code] = (retries[e.code] ?? 0) + 1;
    if (e.event !== 'file') continue;
    const f = byFile.get(e.path) ?? {};
    f[e.state] ??= l.t;
    byFile.set(e.path, f);
  }
  const phases = { 'waiting→uploading (intent)': [], 'uploading→uploaded (PUT)': [], 'uploaded→registered (finalize)': [] };
  for (const f of byFile.values()) {
    if (f.waiting !== undefined && f.uploading !== undefined) phases['waiting→uploading (intent)'].push(f.uploading - f.waiting);
    if (f.uploading !== undefined && f.uploaded !== undefined) phases['uploading→uploaded (PUT)'].push(f.uploaded - f.uploading);
    if (f.uploaded !== undefined && f.registered !== undefined) phases['uploaded→registered (finalize)'].push(f.registered - f.uploaded);
  }
  // PUTs in flight over time (samples every 10 ms between the first start and the last end).
  const first = Math.min(...puts.map((p) => p.start));
  const last = Math.max(...puts.map((p) => p.end));
  const hist = {};
  for (let t = first; t < last; t += 10) {
    const n = puts.filter((p) => p.start <= t && p.end > t).length;
    hist[n] = (hist[n] ?? 0) + 1;
  }
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p) => (s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]) : null);
    return { n: s.length, p50: q(0.5), p90: q(0.9), max: q(1) };
  };
  return {
    ...meta,
    retries,
    failed_requests: outcomes,
    requests: Object.fromEntries(Object.entries(reqs).map(([k, v]) => [k, stats(v)])),
    phases_ms: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, stats(v)])),
    puts_in_flight_share: Object.fromEntries(Object.entries(hist).map(([k, v]) => [k, +(v / Object.values(hist).reduce((a, b) => a + b, 0)).toFixed(3)])),
    put_span_s: (last - first) / 1000,
    // Before the first PUT (start-up, plan, /api/me, the first intents) and after the last (its finalize,
    // the closing checks, exit), seconds.
    lead_s: first / 1000,
    tail_s: meta.wall - last / 1000,
    // The requests that are not PUTs, in the order they ended: [ended at ms, duration ms, request].
    api_timeline: lines.flatMap((l) => {
      const m = l.kind === 'err' && /^piximmo: (\w+) (\S+) → (\S+) \((\d+) ms\)/.exec(l.text);
      return m && m[1] !== 'PUT' ? [[Math.round(l.t), Number(m[4]), `${m[1]} ${new URL(m[2]).pathname}`]] : [];
    }),
  };
}

function format(s) {
  const out = [`wall ${s.wall.toFixed(2)} s, exit ${s.code}, listed ${s.listed}/${s.sizes.files}, link connections ${s.connections}, up ${s.up_bytes} B, down ${s.down_bytes} B, retries ${JSON.stringify(s.retries)}, failed requests ${JSON.stringify(s.failed_requests)}, PUT span ${s.put_span_s.toFixed(2)} s (from ${s.lead_s.toFixed(2)} s; ${s.tail_s.toFixed(2)} s after it)`];
  for (const [k, v] of Object.entries(s.requests)) out.push(`  ${k.padEnd(40)} n=${v.n} p50=${v.p50} ms p90=${v.p90} ms max=${v.max} ms`);
  for (const [k, v] of Object.entries(s.phases_ms)) out.push(`  ${k.padEnd(40)} n=${v.n} p50=${v.p50} ms p90=${v.p90} ms max=${v.max} ms`);
  out.push(`  PUTs in flight (share of time): ${JSON.stringify(s.puts_in_flight_share)}`);
  return out.join('\n');
}
