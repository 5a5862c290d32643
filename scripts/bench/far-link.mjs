#!/usr/bin/env node
// `npm run bench -- --far-link` (issue 15): piximmo where photographers are — hotel Wi-Fi and a tethered
// phone — against rclone behind the same simulated link and against the link's own limit.
//
// For each profile (link-proxy.mjs: hotel Wi-Fi 80 ms RTT, 40/100 Mbit/s; tethered 4G 200 ms, 10/30) and
// each workload (300 × 100 KB, 6 × 8 MB):
// - piximmo: the local server (emulated R2, SPEC's 3 intents/s) behind the link — API and storage both,
//   since signed URLs use the origin the request came in on — and `piximmo upload --no-progress`;
// - rclone: `rclone copy` into the nginx WebDAV sink behind its own proxy on the same link;
// - bare PUTs (bare-put.mjs): the files PUT over keep-alive connections into a discard server behind the same
//   link, as many at a time as piximmo sends, and nothing else; its own clock from the first PUT to the last
//   answer — the link's practical limit (connection set-up and last answer included), so piximmo − bare PUTs
//   is what piximmo's own steps cost on that link (start-up, planning, the API's round trips);
// - link limit: bytes × 8 ÷ uplink rate (what no tool can beat).
// The server runs without its processing after finalize (`--processing off`, like `--scanner none` for
// every data-path row: server.mjs): here the Worker shares the machine's two cores with the CLI and the
// simulated link, and its previews (~30 ms of CPU a photo) took CPU the photographer's machine never gives
// it — in production they run on Cloudflare's. Measured, 8 paired traces, 300 × 100 KB on hotel Wi-Fi: median
// 7.15 s with processing, 7.02 s without. Time to ready with processing and the scan is ready.mjs's.
// Medians of --runs runs. Table on stderr, one JSON object on stdout. Installs nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDiscardSink } from './bare-put.mjs';
import { loadGenerator, writeWorkload } from './fixtures.mjs';
import { createLink, LINK_PROFILES } from './link-proxy.mjs';
import { measure } from './measure.mjs';
import { startNginx } from './nginx.mjs';
import { rcloneBinary, rcloneCommand } from './rclone.mjs';
import { countOrderFiles, startServer } from './server.mjs';
import { machineInfo, median } from './sys.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'tok-alice';
const CONCURRENCY = 4;
const BUCKET = 'bench';
const say = (s = '') => process.stderr.write(`${s}\n`);

// `bareConnections`: PUTs at once for the bare-PUT column — what piximmo sends at once at --concurrency 4
// (src/core/transfer/window.ts: 12 small files within 4 MiB; 8 MB files: the concurrency).
const WORKLOADS = {
  '300x100kb': { label: '300 × 100 KB', groups: [{ count: 300, bytesEach: 100_000, folder: 'Wohnzimmer' }], bareConnections: 12 },
  '6x8mb': { label: '6 × 8 MB', groups: [{ count: 6, bytesEach: 8_000_000, folder: 'Kueche' }], bareConnections: CONCURRENCY },
};

export async function runFarLink(argv) {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '1' },
      profile: { type: 'string', multiple: true },
      keep: { type: 'boolean', default: false },
      'far-link': { type: 'boolean' },
      workload: { type: 'string', multiple: true },
      'cli-from': { type: 'string' },
      'no-peer': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const runs = Number(o.runs);
  const profiles = (o.profile ?? Object.keys(LINK_PROFILES)).flatMap((p) => p.split(','));
  for (const p of profiles) if (!LINK_PROFILES[p]) throw new Error(`--profile: unknown "${p}" (${Object.keys(LINK_PROFILES).join(', ')})`);
  const TMP = mkdtempSync(path.join(os.tmpdir(), 'piximmo-far-'));
  const seed = path.join(TMP, 'seed.json');
  writeFileSync(
    seed,
    JSON.stringify({ users: [{ id: 'alice', name: 'A', device_token: TOKEN, orders: Array.from({ length: 200 }, (_, i) => ({ id: `F-${i + 1}`, shootcode: `SHF${i + 1}` })) }] }),
  );
  let orderNo = 0;
  const gen = await loadGenerator(ROOT, path.join(TMP, 'gen'));
  const rclone = o['no-peer'] ? null : rcloneBinary();
  // --cli-from DIR: the piximmo CLI built in another checkout (a "before" side), against this server.
  const cliRoot = o['cli-from'] ? path.resolve(o['cli-from']) : ROOT;
  const names = (o.workload ?? Object.keys(WORKLOADS)).flatMap((w) => w.split(','));
  for (const w of names) if (!WORKLOADS[w]) throw new Error(`--workload: unknown "${w}" (${Object.keys(WORKLOADS).join(', ')})`);
  const rows = [];
  try {
    for (const [name, wl] of Object.entries(WORKLOADS).filter(([n]) => names.includes(n))) {
      const shoot = path.join(TMP, 'shoots', name);
      const sizes = await writeWorkload(gen, shoot, wl);
      for (const pname of profiles) {
        const profile = LINK_PROFILES[pname];
        const limit_s = (sizes.bytes * 8) / (profile.upMbit * 1e6);
        const walls = { piximmo: [], rclone: [], bare: [] };
        for (let i = 0; i < runs; i++) {
          walls.piximmo.push(await piximmoRun({ TMP, seed, shoot, profile, order: `F-${++orderNo}`, expect: sizes.files, cliRoot }));
          say(`  ${name} ${profile.name} run ${i + 1}/${runs} piximmo ${fmt(walls.piximmo.at(-1))} s`);
          if (rclone) {
            walls.rclone.push(await rcloneRun({ TMP, shoot, profile, prefix: `r${orderNo}` }));
            say(`  ${name} ${profile.name} run ${i + 1}/${runs} rclone  ${fmt(walls.rclone.at(-1))} s`);
          }
          walls.bare.push(await bareRun({ TMP, shoot, profile, connections: wl.bareConnections, bytes: sizes.bytes, prefix: `b${orderNo}` }));
          say(`  ${name} ${profile.name} run ${i + 1}/${runs} bare PUTs ${fmt(walls.bare.at(-1))} s`);
        }
        const p = median(walls.piximmo.filter((x) => x !== null));
        const r = rclone ? median(walls.rclone.filter((x) => x !== null)) : null;
        const b = median(walls.bare.filter((x) => x !== null));
        rows.push({
          workload: name, label: wl.label, profile: pname, profile_name: profile.name, files: sizes.files, bytes: sizes.bytes,
          link_limit_s: limit_s, piximmo_s: p, rclone_s: r, bare_put_s: b,
          piximmo_vs_link: p ? p / limit_s : null, piximmo_vs_rclone: p && r ? p / r : null,
          bare_put_vs_link: b ? b / limit_s : null, piximmo_minus_bare_put_s: p && b ? p - b : null,
          runs: walls,
        });
      }
    }
  } finally {
    if (!o.keep) rmSync(TMP, { recursive: true, force: true });
  }
  say('');
  say('far link                       link limit   piximmo   rclone   piximmo/link  piximmo/rclone  (targets ≤ 1.15, ≤ 1.0)   bare PUTs  piximmo − bare');
  for (const r of rows) {
    say(
      `${`${r.label}, ${r.profile_name}`.padEnd(30)} ${fmt(r.link_limit_s).padStart(8)} s ${fmt(r.piximmo_s).padStart(7)} s ${fmt(r.rclone_s).padStart(6)} s   ×${fmt(r.piximmo_vs_link, 3).padEnd(11)} ×${fmt(r.piximmo_vs_rclone, 3).padEnd(31)}${fmt(r.bare_put_s).padStart(7)} s  ${fmt(r.piximmo_minus_bare_put_s).padStart(9)} s`,
    );
  }
  process.stdout.write(`${JSON.stringify({ bench: 'far-link', machine: machineInfo(), cli_from: o['cli-from'] ?? null, rows })}\n`);
  return rows.every((r) => r.piximmo_s !== null) ? 0 : 1;
}

/** The server's data path only: no processing after finalize (see the file comment). */
const DATA_PATH_ONLY = ['--processing', 'off'];

const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));

async function piximmoRun({ TMP, seed, shoot, profile, order, expect, cliRoot }) {
  const dir = path.join(TMP, 'runs', `${order}-piximmo`);
  mkdirSync(dir, { recursive: true });
  spawnSync('sync');
  const server = await startServer({ root: ROOT, stateDir: path.join(dir, 'state'), seed, intentRate: 3, extra: DATA_PATH_ONLY, logFile: path.join(dir, 'server.log') });
  const link = createLink(profile);
  const port = Number(new URL(server.url).port);
  const front = await link.proxy(port);
  try {
    const env = { ...cleanEnv(), PIXIMMO_API_URL: front.url, PIXIMMO_TOKEN: TOKEN, PIXIMMO_CONFIG_DIR: path.join(dir, 'config'), PIXIMMO_STATE_DIR: path.join(dir, 'cli-state') };
    const m = await measure(process.execPath, [path.join(cliRoot, 'bin/piximmo.js'), 'upload', shoot, '--order', order, '--no-progress', '--concurrency', String(CONCURRENCY)], {
      env, cwd: dir, stdoutFile: path.join(dir, 'stdout'), stderrFile: path.join(dir, 'stderr'), timeFile: path.join(dir, 'time'), timeoutMs: 30 * 60_000,
    });
    if (m.code !== 0) return null;
    const listed = await countOrderFiles(server.url, TOKEN, order);
    return listed === expect ? m.wall_s : null;
  } finally {
    await front.close();
    await server.stop();
  }
}

async function rcloneRun({ TMP, shoot, profile, prefix }) {
  const dir = path.join(TMP, 'runs', `${prefix}-rclone`);
  mkdirSync(dir, { recursive: true });
  spawnSync('sync');
  const sinkRoot = path.join(dir, 'sink');
  const nginx = await startNginx({ prefix: path.join(dir, 'nginx'), root: sinkRoot, bucket: BUCKET });
  const link = createLink(profile);
  const front = await link.proxy(nginx.port);
  try {
    const c = rcloneCommand({ dir: shoot, endpoint: front.url, bucket: BUCKET, prefix, transfers: CONCURRENCY, tmp: dir });
    const m = await measure(c.cmd, c.args, { env: c.env, stdoutFile: path.join(dir, 'stdout'), stderrFile: path.join(dir, 'stderr'), timeFile: path.join(dir, 'time'), timeoutMs: 30 * 60_000 });
    return m.code === 0 ? m.wall_s : null;
  } finally {
    await front.close();
    await nginx.stop();
    rmSync(sinkRoot, { recursive: true, force: true });
  }
}

/** The files PUT through the same link into a discard server, `connections` at a time (bare-put.mjs): its data-path wall s, or null. */
async function bareRun({ TMP, shoot, profile, connections, bytes, prefix }) {
  const dir = path.join(TMP, 'runs', `${prefix}-bare`);
  mkdirSync(dir, { recursive: true });
  spawnSync('sync');
  const sink = await startDiscardSink();
  const link = createLink(profile);
  const front = await link.proxy(sink.port);
  try {
    const args = [path.join(ROOT, 'scripts/bench/bare-put.mjs'), '--url', front.url, '--dir', shoot, '--connections', String(connections)];
    const stdoutFile = path.join(dir, 'stdout');
    const m = await measure(process.execPath, args, { env: cleanEnv(), cwd: ROOT, stdoutFile, stderrFile: path.join(dir, 'stderr'), timeFile: path.join(dir, 'time'), timeoutMs: 30 * 60_000 });
    if (m.code !== 0 || sink.bytes() !== bytes) return null;
    // Its own clock, first PUT to last answer (as the sink rows' baseline): the link's limit for these PUTs,
    // not how long a Node process takes to start.
    return JSON.parse(readFileSync(stdoutFile, 'utf8').trim().split('\n').pop()).wall_s;
  } finally {
    await front.close();
    await sink.stop();
  }
}

function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIXIMMO_') && !/_proxy$/i.test(k)) env[k] = v;
  return env;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runFarLink(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      say(`far-link bench: ${e.message}`);
      process.exit(1);
    },
  );
}
