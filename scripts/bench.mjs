#!/usr/bin/env node
// `npm run bench` (issue 5): piximmo against the bare data path (and rclone) on generated shoots.
// Everything it measures, and how, is in docs/bench.md; `node scripts/bench.mjs --help` for the options.
// Table on stderr, one JSON object on stdout. Installs nothing: missing tools are named and their part skipped.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadGenerator, MB, workloads, writeWorkload } from './bench/fixtures.mjs';
import { haveGnuTime, measure, stopRunning } from './bench/measure.mjs';
import { nginxBinary, startNginx } from './bench/nginx.mjs';
import { rcloneBinary, rcloneCommand } from './bench/rclone.mjs';
import { countOrderFiles, NotAvailable, probeBatchIntents, startServer } from './bench/server.mjs';
import { cpuDelta, serverCpu, waitServerIdle } from './bench/server-cpu.mjs';
import { machineInfo, median, versionOf } from './bench/sys.mjs';
import { measureReady } from './bench/ready.mjs';
import { renderTable, renderTargets } from './bench/report.mjs';
import { gitState, snapshotBuild } from './bench/snapshot.mjs';
import { HELP_BINARY_TARGET, measureHelpBinary } from './bench/help-binary.mjs';
import { HELP_NODE_TARGET, HELP_TARGET_MS, measureHelpStartup } from './bench/help-startup.mjs';
import { manyTargets, runMany } from './bench/many.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = 'tok-alice';
const CONCURRENCY = 4;
const SPEC_RATE = 3;
const BUCKET = 'bench';
const WORKLOAD_NAMES = ['8mb', '200kb', 'mixed'];
const EXTRA_NAMES = ['help', 'help-binary', 'dry-run', 'ready'];
/** Workloads run only when named in --only (too long for the default run). */
const OPT_IN_NAMES = ['many'];

const HELP = `usage: npm run bench -- [options]      (= tsup --silent && node scripts/bench.mjs [options])

Generates shoots of valid JPEGs with EXIF in a temp folder, starts the local server (dist/local-server.js)
and measures, side by side, the bare data path (scripts/bench/baseline.mjs: intent → PUT → finalize with
undici, checksums before the clock) and the real \`piximmo upload --no-progress\`, both at concurrency ${CONCURRENCY}:
wall s, MB/s, files/s, peak RSS, CPU s (user+sys), and the ratio piximmo / baseline. Medians of --runs runs.

Workloads (--only):  8mb    200 × 8 MB
                     200kb  1,000 × 200 KB
                     mixed  one 250,000,000-byte file (multipart) + 100 × 8 MB
                     help   \`piximmo --help\`, \`upload --help\`, \`--version\`, each against \`node -e 0\`, 20 paired
                            alternating runs (targets: --help ≤ 1.3 × node -e 0, median ≤ 120 ms)
                     help-binary  \`--help\` of the single-file binary (npm run build:binary) vs node,
                            20 paired alternating runs (target: binary ≤ 1.3 × node); skipped without the binary
                     dry-run  \`piximmo upload --dry-run\` of 10,000 small files (target ≤ 8 s)
                     ready  finalize → \`ready\` of one 25 MB JPEG: malware scan (private clamd) + previews,
                            and previews alone (--scanner none); --runs runs each (issue 16)
                     many   only when named: 1,000 and 20,000 × 50 KB, piximmo, lifted (issue 15: files/s of
                            20,000 ≥ 0.8 × of 1,000, peak RSS ≤ 150 MB); ~10 min per run on 2 cores
Modes:  lifted  intent rate limit lifted (server --intent-rate 0, PIXIMMO_INTENT_RATE=0); every workload, --runs runs
        spec    SPEC limit 3 intents/s (server default, PIXIMMO_INTENT_RATE=3); 1 run each: by default only
                8mb (~2.5 min); --spec-limit adds 200kb and mixed (+ ~13 min: 1,000 intents at 3/s ≥ 333 s per tool)
        peer    server in S3 mode (--storage s3) against an nginx WebDAV sink: rclone, the baseline and piximmo;
                every workload, --runs runs. The sink has no S3 multipart: for mixed the server runs with
                --s3-multipart off and rclone with --s3-upload-cutoff 300M (everything in single PUTs)

Options:
  --runs N          runs per measurement in lifted and peer mode (default 3)
  --quick           1 run, small workloads (20 × 8 MB, 100 × 200 KB, 120 MB + 10 × 8 MB, 5 × --help,
                    1,000-file dry run): a smoke test of every path, not the targets' sizes
  --only LIST       comma-separated: ${[...WORKLOAD_NAMES, ...EXTRA_NAMES, ...OPT_IN_NAMES].join(', ')} (default all but many)
  --spec-limit      run the SPEC-limit mode for every workload (default: 8mb only)
  --no-spec-limit   skip the SPEC-limit mode
  --no-peer         skip the nginx/rclone peer run
  --no-lifted       skip the lifted mode (e.g. only the nginx sink: --no-lifted --no-spec-limit)
  --tmp DIR         parent of the temp folder (default ${os.tmpdir()}); needs ~3 GB free
  --keep            keep the temp folder (shoots, logs, server state of the last run)
  --cli-from DIR    measure the piximmo CLI built in DIR (another checkout, e.g. an older commit's
                    worktree after its own build) against this checkout's server and baseline:
                    a "before" table for a change
  --baseline-intents auto|single|batch
                    how the baseline asks for intents (default auto: batch when the server has
                    POST /api/uploads/intents, else one by one)
  --baseline-finalize auto|single|batch
                    how the baseline finalizes (default auto: batches of ≤ 50 through
                    POST /api/uploads/finalize-batch when the server has it, as piximmo does; else one by one)
  --far-link [--profile hotel|4g] [--runs N] [--workload 300x100kb|6x8mb] [--cli-from DIR] [--no-peer]
                    far-link mode instead (scripts/bench/far-link.mjs): 300 × 100 KB and 6 × 8 MB through a
                    latency-and-rate proxy (hotel Wi-Fi 80 ms, 40/100 Mbit/s; tethered 4G 200 ms, 10/30),
                    piximmo (API + storage behind it, 3 intents/s) vs rclone into nginx behind the same link
                    vs the link's own limit (bytes ÷ uplink) vs bare PUTs of the same files through it (the
                    link's practical limit, scripts/bench/bare-put.mjs); ~5 min per profile and run
  -h, --help        this text

Needs: npm run build (dist/); optional Debian packages: time (/usr/bin/time, exact peak RSS/CPU; else
/proc polling), nginx-light and rclone (peer run). Full default run: about 10–12 minutes on 2 cores.
Output: table on stderr, one JSON object on stdout. Exit 0 when every measured run succeeded, else 1.
`;

// ---- far-link mode (issue 15): its own runner, its own options ------------------------------------------
if (process.argv.includes('--far-link')) {
  const { runFarLink } = await import('./bench/far-link.mjs');
  process.exit(await runFarLink(process.argv.slice(2)));
}

// ---- options ------------------------------------------------------------------------------------------
let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      'spec-limit': { type: 'boolean' },
      'no-spec-limit': { type: 'boolean', default: false },
      'no-peer': { type: 'boolean', default: false },
      'no-lifted': { type: 'boolean', default: false },
      tmp: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'baseline-intents': { type: 'string', default: 'auto' },
      'baseline-finalize': { type: 'string', default: 'auto' },
      'cli-from': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }));
} catch (e) {
  process.stderr.write(`bench: ${e.message}\n\n${HELP}`);
  process.exit(2);
}
if (opts.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const quick = opts.quick;
const runs = opts.runs !== undefined ? Number(opts.runs) : quick ? 1 : 3;
if (!Number.isInteger(runs) || runs < 1) usage(`--runs must be a whole number ≥ 1, got "${opts.runs}"`);
const only = (opts.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean);
const ALL_NAMES = [...WORKLOAD_NAMES, ...EXTRA_NAMES, ...OPT_IN_NAMES];
for (const o of only) if (!ALL_NAMES.includes(o)) usage(`--only: unknown "${o}" (one of ${ALL_NAMES.join(', ')})`);
const selected = (name) => (only.length === 0 && !OPT_IN_NAMES.includes(name)) || only.includes(name);
if (!['auto', 'single', 'batch'].includes(opts['baseline-intents'])) usage('--baseline-intents must be auto, single or batch');
if (!['auto', 'single', 'batch'].includes(opts['baseline-finalize'])) usage('--baseline-finalize must be auto, single or batch');
if (opts['spec-limit'] && opts['no-spec-limit']) usage('--spec-limit and --no-spec-limit contradict each other');
const specFor = (name) => !opts['no-spec-limit'] && (opts['spec-limit'] || name === '8mb');

function usage(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}
const say = (s = '') => process.stderr.write(`${s}\n`);

// ---- what is there ------------------------------------------------------------------------------------
const tools = {
  gnu_time: haveGnuTime() ? '/usr/bin/time' : null,
  nginx: nginxBinary(),
  rclone: rcloneBinary(),
};
const versions = {
  nginx: tools.nginx ? versionOf(tools.nginx, ['-v']) : null,
  rclone: tools.rclone ? versionOf(tools.rclone, ['version']) : null,
};
const missing = [];
if (!tools.gnu_time) missing.push('/usr/bin/time not found (Debian package `time`): peak RSS and CPU are polled from /proc every 20 ms instead');
if (!opts['no-peer']) {
  if (!tools.nginx) missing.push('nginx not found (Debian package `nginx-light`): the peer run into the nginx sink is skipped');
  if (!tools.rclone) missing.push('rclone not found (Debian package `rclone`): no rclone rows in the peer run');
}

// ---- temp folder and cleanup --------------------------------------------------------------------------
const tmpParent = opts.tmp ? path.resolve(opts.tmp) : os.tmpdir();
mkdirSync(tmpParent, { recursive: true });
const TMP = mkdtempSync(path.join(tmpParent, 'piximmo-bench-'));
let APP;
try {
  APP = snapshotBuild(ROOT, path.join(TMP, 'app'));
} catch (e) {
  rmSync(TMP, { recursive: true, force: true });
  usage(e.message);
}
// The CLI measured: this checkout's, or --cli-from's (its own private copy too).
const CLI_ROOT = opts['cli-from'] ? path.resolve(opts['cli-from']) : ROOT;
let CLI_APP = APP;
if (CLI_ROOT !== ROOT) {
  try {
    CLI_APP = snapshotBuild(CLI_ROOT, path.join(TMP, 'cli-app'));
  } catch (e) {
    rmSync(TMP, { recursive: true, force: true });
    usage(`--cli-from ${CLI_ROOT}: ${e.message}`);
  }
}
const cleanups = new Set();
let interrupted = false;
async function cleanupAll() {
  for (const c of [...cleanups]) {
    try {
      await c();
    } catch {}
  }
  cleanups.clear();
  if (!opts.keep) rmSync(TMP, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    say(`\nbench: ${sig}, stopping…`);
    stopRunning();
    cleanupAll().finally(() => process.exit(130));
  });
}

// Orders: a fresh one for every run, so nothing is deduplicated.
const SEED = path.join(TMP, 'seed.json');
const ORDER_COUNT = 1000;
writeFileSync(
  SEED,
  JSON.stringify({
    users: [
      {
        id: 'alice',
        name: 'A',
        device_token: TOKEN,
        orders: Array.from({ length: ORDER_COUNT }, (_, i) => ({ id: `B-${i + 1}`, shootcode: `SHB${i + 1}` })),
      },
    ],
  }),
);
let orderNo = 0;
const freshOrder = () => {
  if (orderNo >= ORDER_COUNT) throw new Error('bench: out of seeded orders');
  return `B-${++orderNo}`;
};
let seq = 0;
const runDir = (label) => {
  const d = path.join(TMP, 'runs', `${String(++seq).padStart(3, '0')}-${label}`);
  mkdirSync(d, { recursive: true });
  return d;
};

/** The bench's environment for child processes, without any PIXIMMO_* of ours. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIXIMMO_')) env[k] = v;
  return { ...env, ...extra };
}
function piximmoEnv(dir, url, intentRate) {
  return cleanEnv({
    PIXIMMO_API_URL: url,
    PIXIMMO_TOKEN: TOKEN,
    PIXIMMO_CONFIG_DIR: path.join(dir, 'config'),
    PIXIMMO_STATE_DIR: path.join(dir, 'state'),
    PIXIMMO_INTENT_RATE: String(intentRate),
  });
}
function tail(file, n = 4) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-n).join(' | ');
  } catch {
    return '';
  }
}
function countFiles(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1;
  return n;
}

// ---- one measured run of one tool ---------------------------------------------------------------------
const RUN_TIMEOUT_MS = 40 * 60_000;

/**
 * Starts a fresh server (own state folder), runs `tool` on the shoot, checks the order holds every file,
 * stops the server and drops its state. Returns the run's figures ({ok: false, error} when it failed).
 */
async function measuredRun({ tool, shootDir, expect, intentRate, storage }) {
  const dir = runDir(`${tool}`);
  const out = path.join(dir, 'stdout');
  const err = path.join(dir, 'stderr');
  const timeFile = path.join(dir, 'time');
  const order = freshOrder();
  // Every run starts with the disk quiet: pages still being written back (the shoot just generated, the
  // previous run's objects) would slow whichever tool comes next.
  settleDisk();
  const base = { tool, order, loadavg: os.loadavg()[0] };
  if (tool === 'rclone') {
    const prefix = `rclone-${order}`;
    const c = rcloneCommand({ dir: shootDir, endpoint: storage.endpoint, bucket: BUCKET, prefix, transfers: CONCURRENCY, tmp: dir, singlePut: storage.singlePut });
    const m = await measure(c.cmd, c.args, { env: c.env, stdoutFile: out, stderrFile: err, timeFile, timeoutMs: RUN_TIMEOUT_MS });
    let landed = 0;
    try {
      landed = countFiles(path.join(storage.root, BUCKET, prefix));
    } catch {}
    emptyBucket(storage.root);
    const r = { ...base, ...m, process_wall_s: m.wall_s };
    if (m.code !== 0) return { ...r, ok: false, error: `rclone exited ${m.code ?? m.signal}: ${tail(err)}` };
    if (landed !== expect.files) return { ...r, ok: false, error: `${landed} of ${expect.files} files in the sink` };
    return { ...r, ok: true };
  }
  // A server that fails to start (workerd flakes now and then on a loaded machine) is not the tool's
  // fault: up to three tries, each on a fresh state folder, before the run counts as failed.
  let server;
  for (let attempt = 1; ; attempt++) {
    try {
      server = await startServer({
        root: APP,
        stateDir: path.join(dir, `server-state`),
        seed: SEED,
        intentRate,
        extra: storage ? s3Args(storage.endpoint, storage.singlePut) : undefined,
        logFile: path.join(dir, 'server.log'),
      });
      base.server_start_attempts = attempt;
      break;
    } catch (e) {
      rmSync(path.join(dir, 'server-state'), { recursive: true, force: true });
      if (e instanceof NotAvailable || attempt >= 3) throw e;
      say(`  (local server failed to start, trying again: ${e.message})`);
    }
  }
  cleanups.add(server.stop);
  try {
    let m;
    let r;
    // The server's CPU over the tool's run (issue 15: Worker CPU per registered file), read around it.
    const cpu0 = serverCpu(server.pid);
    if (tool === 'baseline') {
      const args = [
        path.join(ROOT, 'scripts/bench/baseline.mjs'),
        '--api', server.url, '--token', TOKEN, '--order', order, '--dir', shootDir,
        '--concurrency', String(CONCURRENCY), '--intent-rate', String(intentRate), '--intents', opts['baseline-intents'],
        '--finalize', opts['baseline-finalize'],
      ];
      m = await measure(process.execPath, args, { env: cleanEnv(), cwd: ROOT, stdoutFile: out, stderrFile: err, timeFile, timeoutMs: RUN_TIMEOUT_MS });
      let inner = null;
      try {
        inner = JSON.parse(readFileSync(out, 'utf8').trim().split('\n').pop());
      } catch {}
      // The baseline's wall is its own clock: the data path only (checksums were taken before it started).
      r = {
        ...base,
        ...m,
        process_wall_s: m.wall_s,
        wall_s: inner?.wall_s ?? m.wall_s,
        hash_s: inner?.hash_s ?? null,
        data_cpu_s: inner?.data_cpu_s ?? null,
        intents: inner?.intents ?? null,
        finalizes: inner?.finalizes ?? null,
        rate_limited: inner?.rate_limited ?? null,
      };
      if (m.code !== 0 || !inner) return { ...r, ok: false, error: `baseline exited ${m.code ?? m.signal}: ${inner?.errors?.join(' | ') || tail(err)}` };
    } else {
      const args = [path.join(CLI_APP, 'bin/piximmo.js'), 'upload', shootDir, '--order', order, '--no-progress', '--concurrency', String(CONCURRENCY)];
      m = await measure(process.execPath, args, { env: piximmoEnv(dir, server.url, intentRate), cwd: dir, stdoutFile: out, stderrFile: err, timeFile, timeoutMs: RUN_TIMEOUT_MS });
      r = { ...base, ...m, process_wall_s: m.wall_s };
      if (m.code !== 0) return { ...r, ok: false, error: `piximmo exited ${m.code ?? m.signal}: ${tail(err)}` };
    }
    const cpuRun = cpuDelta(cpu0, serverCpu(server.pid));
    const processedAtEnd = processedFiles(path.join(dir, 'server.log'));
    // Outside the clock: what the run left queued (processing) is the server's cost per file too.
    const idle = cpuRun ? await waitServerIdle(server.pid) : null;
    const cpu = cpuDelta(cpu0, serverCpu(server.pid));
    const processed = processedFiles(path.join(dir, 'server.log'));
    const listed = await countOrderFiles(server.url, TOKEN, order);
    if (cpu && cpuRun) {
      Object.assign(r, serverCpuFigures(cpuRun, cpu, listed), splitProcessing(cpuRun, cpu, processedAtEnd, processed, listed), {
        server_idle_after_s: idle.waited_s,
        server_idle: idle.idle,
      });
    }
    if (listed !== expect.files) return { ...r, ok: false, error: `the order lists ${listed} of ${expect.files} files` };
    return { ...r, ok: true };
  } finally {
    await server.stop();
    cleanups.delete(server.stop);
    rmSync(path.join(dir, 'server-state'), { recursive: true, force: true });
    // The next tool gets an empty sink, whichever tool ran.
    if (storage) emptyBucket(storage.root);
  }
}

/**
 * The server's CPU per registered file. `worker_cpu_ms_per_file` = workerd's (the Worker with D1, storage
 * emulation, Durable Object, queue) from the run's start until the server is idle again (the processing
 * the run queued included: every tool pays for all of it); `worker_run_cpu_ms_per_file` = during the
 * tool's run only (the processing done by then depends on the run's length). `host_*` = the rest of the
 * server's process group (the node process hosting Miniflare and its loopback services, e.g. Images).
 */
function serverCpuFigures(run, all, files) {
  const per = (s) => (files > 0 ? (s * 1000) / files : null);
  return {
    worker_cpu_s: all.workerd_s,
    host_cpu_s: all.other_s,
    worker_run_cpu_s: run.workerd_s,
    worker_cpu_ms_per_file: per(all.workerd_s),
    host_cpu_ms_per_file: per(all.other_s),
    worker_run_cpu_ms_per_file: per(run.workerd_s),
    host_run_cpu_ms_per_file: per(run.other_s),
  };
}

/** Files the server's preview consumer finished so far (its "processing <id>: ready|gone" log lines). */
function processedFiles(logFile) {
  try {
    return (readFileSync(logFile, 'utf8').match(/piximmo processing \S+: (?:ready|gone meanwhile) in /g) ?? []).length;
  } catch {
    return null;
  }
}

/**
 * workerd's CPU split into the requests' and the preview processing's, per file: processing per file =
 * the CPU after the run ÷ the files processed after it; the requests' = the CPU during the run less the
 * processing done by then. An estimate (a job in flight at the run's end counts to after); null when
 * fewer than 50 files were processed after the run.
 */
function splitProcessing(run, all, atEnd, processed, files) {
  if (atEnd === null || processed === null || processed - atEnd < 50 || files <= 0) return { request_cpu_ms_per_file: null, processing_cpu_ms_per_file: null };
  const perJob = (all.workerd_s - run.workerd_s) / (processed - atEnd);
  return {
    processed_at_run_end: atEnd,
    processing_cpu_ms_per_file: perJob * 1000,
    request_cpu_ms_per_file: (Math.max(0, run.workerd_s - perJob * atEnd) * 1000) / files,
  };
}

/** `sync`: waits until dirty pages are on disk (coreutils; a no-op where it is missing). */
function settleDisk() {
  spawnSync('sync', [], { stdio: 'ignore' });
}

/** Deletes every object in the sink's bucket (runs are sequential: it holds only the last run's). */
function emptyBucket(root) {
  const bucket = path.join(root, BUCKET);
  for (const e of readdirSync(bucket)) rmSync(path.join(bucket, e), { recursive: true, force: true });
}

/** Server flags of S3 mode; `singlePut`: no S3 multipart (the nginx sink has none), one PUT up to --max-bytes. */
function s3Args(endpoint, singlePut = false) {
  return [
    '--storage', 's3', '--s3-endpoint', endpoint, '--s3-bucket', BUCKET, '--s3-region', 'us-east-1',
    '--s3-access-key-id', 'x', '--s3-secret-access-key', 'y',
    ...(singlePut ? ['--s3-multipart', 'off'] : []),
  ];
}

// ---- aggregation --------------------------------------------------------------------------------------
const results = [];
const skipped = [];
let failures = 0;

function aggregate(workload, wl, mode, tool, runList) {
  const ok = runList.filter((r) => r.ok);
  const wall = median(ok.map((r) => r.wall_s));
  const row = {
    workload,
    workload_label: wl.label,
    files: wl.files,
    bytes: wl.bytes,
    mode,
    tool,
    runs_ok: ok.length,
    runs: runList.length,
    wall_s: wall,
    process_wall_s: median(ok.map((r) => r.process_wall_s)),
    mb_s: wall ? wl.bytes / wall / 1e6 : null,
    files_s: wall ? wl.files / wall : null,
    rss_mb: median(ok.map((r) => r.rss_mb)),
    rss_max_mb: ok.length ? Math.max(...ok.map((r) => r.rss_mb ?? 0)) : null,
    cpu_s: median(ok.map((r) => r.cpu_s)),
    worker_cpu_ms_per_file: median(ok.map((r) => r.worker_cpu_ms_per_file)),
    host_cpu_ms_per_file: median(ok.map((r) => r.host_cpu_ms_per_file)),
    worker_run_cpu_ms_per_file: median(ok.map((r) => r.worker_run_cpu_ms_per_file)),
    request_cpu_ms_per_file: median(ok.map((r) => r.request_cpu_ms_per_file)),
    processing_cpu_ms_per_file: median(ok.map((r) => r.processing_cpu_ms_per_file)),
    ratio: null,
    ratio_to: null,
    details: runList,
  };
  if (mode === 'peer') row.single_put = Boolean(wl.multipart);
  if (tool === 'baseline') {
    row.intents = ok[0]?.intents ?? null;
    row.finalizes = ok[0]?.finalizes ?? null;
    row.hash_s = median(ok.map((r) => r.hash_s));
    row.data_cpu_s = median(ok.map((r) => r.data_cpu_s));
  }
  for (const r of runList) if (!r.ok) failures++;
  results.push(row);
  return row;
}

function setRatios(rows, refTool) {
  const ref = rows.find((r) => r.tool === refTool);
  for (const r of rows) {
    r.ratio_to = refTool;
    r.ratio = ref?.wall_s && r.wall_s ? r.wall_s / ref.wall_s : null;
    r.ratio_cpu = ref?.cpu_s && r.cpu_s ? r.cpu_s / ref.cpu_s : null;
    r.ratio_rss = ref?.rss_mb && r.rss_mb ? r.rss_mb / ref.rss_mb : null;
  }
}

const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));
function progress(label, r) {
  say(`  ${label.padEnd(34)} ${r.ok ? `${fmt(r.wall_s)} s` : `FAILED: ${r.error}`}${r.ok && r.rss_mb ? `  (RSS ${fmt(r.rss_mb, 0)} MB, CPU ${fmt(r.cpu_s)} s)` : ''}`);
}

/** Runs `tools` round-robin `n` times (the order rotates every run, so drift hits every tool alike). */
async function series({ workload, wl, mode, tools: toolList, n, intentRate, storage, shootDir }) {
  const byTool = Object.fromEntries(toolList.map((t) => [t, []]));
  for (let i = 0; i < n; i++) {
    const order = toolList.map((_, k) => toolList[(k + i) % toolList.length]);
    for (const tool of order) {
      if (interrupted) return [];
      let r;
      try {
        r = await measuredRun({ tool, shootDir, expect: wl, intentRate, storage });
      } catch (e) {
        r = { tool, ok: false, error: e.message };
      }
      progress(`${workload} ${mode} run ${i + 1}/${n} ${tool}`, r);
      byTool[tool].push(r);
    }
  }
  const rows = toolList.map((t) => aggregate(workload, wl, mode, t, byTool[t]));
  setRatios(rows, mode === 'peer' ? 'rclone' : 'baseline');
  return rows;
}

// ---- main ---------------------------------------------------------------------------------------------
const started = Date.now();
const machine = { ...machineInfo(), tools, versions, git: gitState(ROOT), cli: { root: CLI_ROOT, git: gitState(CLI_ROOT) } };
say(`piximmo bench — ${machine.cores} cores, node ${machine.node}, load ${machine.loadavg_at_start.join(' ')}, ${quick ? 'QUICK (smoke test), ' : ''}${runs} run(s); temp ${TMP}`);
if (CLI_ROOT !== ROOT) say(`  CLI measured: ${CLI_ROOT} (commit ${machine.cli.git.commit ?? '?'}), server and baseline: this checkout (${machine.git.commit ?? '?'})`);
for (const m of missing) say(`  missing: ${m}`);
if (machine.loadavg_at_start[0] > machine.cores) {
  say(`  note: the machine is busy (load ${machine.loadavg_at_start[0]} on ${machine.cores} cores): expect noisy figures; each run's load is in the JSON`);
}

const server_features = { batch_intents: null, s3_storage: null };
let helpStats = null;
let helpBinary = null;
let dryRun = null;
let readyStats = null;
let manyRows = null;
let exitCode = 0;
try {
  const gen = await loadGenerator(ROOT, path.join(TMP, 'build'));

  // What the server offers (batch intents): one short-lived server.
  {
    const s = await startServer({ root: APP, stateDir: path.join(TMP, 'probe-state'), seed: SEED, logFile: path.join(TMP, 'probe.log') });
    cleanups.add(s.stop);
    try {
      server_features.batch_intents = await probeBatchIntents(s.url, TOKEN);
    } finally {
      await s.stop();
      cleanups.delete(s.stop);
    }
    const bi = opts['baseline-intents'];
    if (!server_features.batch_intents) {
      if (bi === 'batch') throw new Error('--baseline-intents batch, but the server has no POST /api/uploads/intents');
      say('  batch intents: not available yet (POST /api/uploads/intents → 404); the baseline uses single intents');
      skipped.push({ part: 'batch intents', reason: 'not available yet: the server has no POST /api/uploads/intents' });
    } else if (bi === 'single') say('  batch intents: available, but the baseline asks one by one (--baseline-intents single)');
    else say('  batch intents: available; the baseline uses them (POST /api/uploads/intents, 50 files a request)');
  }

  if (selected('help')) {
    const n = quick ? 5 : 20;
    say(`\npiximmo --help, upload --help, --version: each against node -e 0 × ${n} pairs`);
    const dir = runDir('help');
    const env = cleanEnv({ PIXIMMO_CONFIG_DIR: path.join(dir, 'config'), PIXIMMO_STATE_DIR: path.join(dir, 'state') });
    const startup = await measureHelpStartup({ appDir: CLI_APP, runs: n, env, dir });
    failures += startup.failures;
    const h = startup.cases[0];
    helpStats = { runs: n, median_ms: h.median_ms, min_ms: h.min_ms, max_ms: h.max_ms, rss_mb: h.rss_mb, target_ms: HELP_TARGET_MS, vs_node: startup };
    for (const c of startup.cases) {
      say(`  ${c.args.join(' ').padEnd(14)} median ${fmt(c.median_ms, 0)} ms (min ${fmt(c.min_ms, 0)}, max ${fmt(c.max_ms, 0)}), node -e 0 ${fmt(c.node_e0_median_ms, 0)} ms: ×${fmt(c.ratio, 2)}; per-pair median ×${fmt(c.pair_ratio_median, 2)}`);
    }
  }

  if (selected('help-binary')) {
    const n = quick ? 5 : 20;
    say(`\n--help: single-file binary vs node × ${n} pairs`);
    const dir = runDir('help-binary-env');
    const env = cleanEnv({ PIXIMMO_CONFIG_DIR: path.join(dir, 'config'), PIXIMMO_STATE_DIR: path.join(dir, 'state') });
    helpBinary = await measureHelpBinary({ appDir: CLI_APP, runs: n, env, runDir });
    if (!helpBinary) {
      say('  no binary in dist/bin: run npm run build:binary first');
      skipped.push({ part: 'help-binary', reason: 'no single-file binary in dist/bin (npm run build:binary)' });
    } else {
      failures += helpBinary.failures;
      say(`  node ${fmt(helpBinary.node_median_ms, 0)} ms, binary ${fmt(helpBinary.binary_median_ms, 0)} ms (medians): ×${fmt(helpBinary.ratio, 2)}; per-pair median ×${fmt(helpBinary.pair_ratio_median, 2)}`);
    }
  }

  if (selected('dry-run')) {
    const count = quick ? 1000 : 10_000;
    const rooms = 10;
    const shoot = path.join(TMP, 'shoot-dry-run');
    say(`\npiximmo upload --dry-run, ${count.toLocaleString('en-US')} files × 20 KB: writing…`);
    for (let i = 0; i < rooms; i++) {
      await gen.writeManyFiles(shoot, { count: count / rooms, bytesEach: 20_000, folder: `Raum ${i + 1}`, seed: i + 1, start: `2025:11:10 ${String(6 + i).padStart(2, '0')}:00:00` });
    }
    const list = [];
    for (let i = 0; i < runs; i++) {
      const dir = runDir('dry-run');
      const m = await measure(process.execPath, [path.join(CLI_APP, 'bin/piximmo.js'), 'upload', shoot, '--order', 'B-1', '--dry-run', '--no-progress'], {
        env: piximmoEnv(dir, 'http://127.0.0.1:9', 0),
        cwd: dir,
        stdoutFile: path.join(dir, 'stdout'),
        stderrFile: path.join(dir, 'stderr'),
        timeFile: path.join(dir, 'time'),
        timeoutMs: RUN_TIMEOUT_MS,
      });
      const r = { ...m, ok: m.code === 0, error: m.code === 0 ? undefined : `exit ${m.code}: ${tail(path.join(dir, 'stderr'))}` };
      progress(`dry-run run ${i + 1}/${runs}`, r);
      if (!r.ok) failures++;
      list.push(r);
    }
    const ok = list.filter((r) => r.ok);
    dryRun = { files: count, bytes_each: 20_000, runs: list.length, runs_ok: ok.length, wall_s: median(ok.map((r) => r.wall_s)), rss_mb: median(ok.map((r) => r.rss_mb)), cpu_s: median(ok.map((r) => r.cpu_s)), target_s: 8, details: list };
    rmSync(shoot, { recursive: true, force: true });
  }

  if (selected('ready')) {
    const bytes = quick ? 5 * MB : 25 * MB;
    say(`\nfinalize → ready of one ${bytes / MB} MB JPEG (scan + previews, previews alone) × ${runs}`);
    try {
      readyStats = await measureReady({ root: APP, tmp: TMP, seed: SEED, token: TOKEN, runs, bytes, say });
      if (readyStats.skipped) skipped.push({ part: 'finalize → ready with scan', reason: readyStats.skipped });
    } catch (e) {
      failures++;
      say(`  failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const wls = workloads(quick);
  for (const name of WORKLOAD_NAMES) {
    if (!selected(name) || interrupted) continue;
    const wl = wls[name];
    const shootDir = path.join(TMP, `shoot-${name}`);
    say(`\n${name}: ${wl.label} — writing the shoot…`);
    Object.assign(wl, await writeWorkload(gen, shootDir, wl));

    // lifted: no intent limit anywhere.
    if (!opts['no-lifted']) await series({ workload: name, wl, mode: 'lifted', tools: ['baseline', 'piximmo'], n: runs, intentRate: 0, shootDir });

    // spec: the SPEC limit of 3 intents/s (the server's default), once per tool.
    if (specFor(name)) {
      await series({ workload: name, wl, mode: 'spec', tools: ['baseline', 'piximmo'], n: 1, intentRate: SPEC_RATE, shootDir });
    } else if (!opts['no-spec-limit']) {
      skipped.push({ part: `${name} at the SPEC limit`, reason: 'opt-in with --spec-limit (≥ files/3 s per tool)' });
    }

    // peer: S3 mode against the nginx sink, with rclone beside.
    if (!opts['no-peer']) {
      if (!tools.nginx) {
        skipped.push({ part: `${name} into the nginx sink`, reason: 'nginx is not installed (Debian: nginx-light)' });
      } else {
        await peer(name, wl, shootDir);
      }
    }
    rmSync(shootDir, { recursive: true, force: true });
  }
  if (selected('many') && !interrupted) {
    manyRows = await runMany({ gen, tmp: TMP, quick, runs, series, say, interrupted: () => interrupted });
  }
} catch (e) {
  say(`\nbench: ${e.stack ?? e.message}`);
  exitCode = 1;
} finally {
  await cleanupAll();
}

async function peer(name, wl, shootDir) {
  // The sink lives in memory (tmpfs) where there is room, so what is measured is the tools and the
  // loopback, not the disk's writeback; else beside the shoot.
  const sinkRoot = sinkFolder(wl.bytes);
  const ng = await startNginx({ prefix: path.join(TMP, `nginx-${name}`), root: sinkRoot, bucket: BUCKET });
  cleanups.add(ng.stop);
  try {
    // The sink has no S3 multipart: a workload with a file above the threshold goes there in single PUTs
    // (server --s3-multipart off, rclone --s3-upload-cutoff 300M) — said in the table's mode column.
    const storage = { endpoint: ng.endpoint, root: sinkRoot, singlePut: wl.multipart };
    if (server_features.s3_storage === null) server_features.s3_storage = await probeS3(ng.endpoint);
    const toolList = [...(tools.rclone ? ['rclone'] : []), ...(server_features.s3_storage ? ['baseline', 'piximmo'] : [])];
    if (!server_features.s3_storage) {
      skipped.push({ part: `piximmo and baseline into the nginx sink (${name})`, reason: `not available yet: ${s3Refusal}` });
    }
    if (!tools.rclone) skipped.push({ part: `rclone into the nginx sink (${name})`, reason: 'rclone is not installed (Debian: rclone)' });
    if (toolList.length) await series({ workload: name, wl, mode: 'peer', tools: toolList, n: runs, intentRate: 0, storage, shootDir });
  } finally {
    await ng.stop();
    cleanups.delete(ng.stop);
    rmSync(sinkRoot, { recursive: true, force: true });
  }
}

/** A folder for the nginx sink: on /dev/shm when it has twice the workload free, else in the temp folder. */
function sinkFolder(bytes) {
  try {
    const st = statfsSync(SHM);
    if (st.bavail * st.bsize > 2 * bytes) {
      const d = mkdtempSync(path.join(SHM, 'piximmo-bench-sink-'));
      cleanups.add(() => rmSync(d, { recursive: true, force: true }));
      return d;
    }
  } catch {
    // no /dev/shm
  }
  return path.join(TMP, 'sink');
}
const SHM = '/dev/shm';

let s3Refusal = '';
/** Whether the server starts in S3 mode (--storage s3 …); a refusal (exit 2) means "not available yet". */
async function probeS3(endpoint) {
  try {
    const s = await startServer({
      root: APP,
      stateDir: path.join(TMP, 'probe-s3-state'),
      seed: SEED,
      intentRate: 0,
      extra: s3Args(endpoint),
      logFile: path.join(TMP, 'probe-s3.log'),
    });
    await s.stop();
    say('  S3 storage: available (--storage s3)');
    return true;
  } catch (e) {
    if (!(e instanceof NotAvailable)) throw e;
    s3Refusal = 'the server refuses --storage s3';
    say(`  S3 storage: not available yet (${e.message})`);
    return false;
  }
}

// ---- report -------------------------------------------------------------------------------------------
const targets = [];
const row = (w, m, t) => results.find((r) => r.workload === w && r.mode === m && r.tool === t);
if (helpStats) targets.push({ what: '`piximmo --help` median wall', target: `≤ ${HELP_TARGET_MS} ms`, value: `${fmt(helpStats.median_ms, 0)} ms`, met: helpStats.median_ms <= HELP_TARGET_MS });
if (helpStats) {
  const h = helpStats.vs_node.cases[0];
  targets.push({ what: '`piximmo --help` / `node -e 0` (paired medians)', target: `≤ ${HELP_NODE_TARGET}`, value: fmt(h.ratio, 2), met: h.ratio <= HELP_NODE_TARGET });
}
if (helpBinary) targets.push({ what: '`--help` of the binary / through node (paired medians)', target: `≤ ${HELP_BINARY_TARGET}`, value: fmt(helpBinary.ratio, 2), met: helpBinary.ratio <= HELP_BINARY_TARGET });
if (dryRun) targets.push({ what: `--dry-run of ${dryRun.files.toLocaleString('en-US')} files`, target: '≤ 8 s', value: dryRun.wall_s === null ? 'failed' : `${fmt(dryRun.wall_s)} s`, met: dryRun.wall_s !== null && dryRun.wall_s <= 8 });
for (const [w, limit] of [['8mb', 1.1], ['200kb', 1.15]]) {
  const p = row(w, 'lifted', 'piximmo');
  if (p) targets.push({ what: `${p.workload_label}: piximmo / baseline wall (lifted)`, target: `≤ ${limit.toFixed(2)}`, value: fmt(p.ratio, 3), met: p.ratio !== null && p.ratio <= limit });
}
{
  const p = row('8mb', 'peer', 'piximmo');
  if (p && row('8mb', 'peer', 'rclone')) targets.push({ what: `${p.workload_label} into nginx: piximmo / rclone wall`, target: '≤ 1.00', value: fmt(p.ratio, 3), met: p.ratio !== null && p.ratio <= 1.0 });
}
{
  // Issue 15: ≤ 100 MB in every upload workload (the 20,000-file shoot has its own target below).
  const px = results.filter((r) => r.tool === 'piximmo' && r.rss_max_mb !== null && r.runs_ok > 0 && r.workload !== 'many-20k');
  if (px.length) {
    const worst = px.reduce((a, b) => (b.rss_max_mb > a.rss_max_mb ? b : a));
    targets.push({ what: 'piximmo peak RSS, every workload (worst run)', target: '≤ 100 MB', value: `${fmt(worst.rss_max_mb, 0)} MB (${worst.workload} ${worst.mode})`, met: worst.rss_max_mb <= 100 });
  }
}
if (manyRows) targets.push(...manyTargets(manyRows, fmt));

say('');
say(renderTable(results, { helpStats, dryRun }));
say('');
say(renderTargets(targets, quick));
if (readyStats) {
  const f = (x) => (x ? `${fmt(x.median_ms / 1000, 2)} s (min ${fmt(x.min_ms / 1000, 2)}, max ${fmt(x.max_ms / 1000, 2)})` : 'not measured');
  say(`\nfinalize → ready, one ${fmt(readyStats.bytes / MB, 1)} MB JPEG, median of ${readyStats.runs}: scan + previews ${f(readyStats.scan)}; previews alone ${f(readyStats.no_scan)}`);
}
if (skipped.length || missing.length) {
  say('\nNot measured:');
  for (const m of missing) say(`  - ${m}`);
  for (const s of skipped) say(`  - ${s.part}: ${s.reason}`);
}
const duration_s = (Date.now() - started) / 1000;
say(`\n${quick ? 'quick ' : ''}run took ${fmt(duration_s / 60, 1)} min; load at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}${opts.keep ? `; kept ${TMP}` : ''}`);

const report = {
  version: 1,
  command: `node scripts/bench.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { ...machine, loadavg_at_end: os.loadavg().map((x) => Math.round(x * 100) / 100) },
  options: { runs, quick, only: only.length ? only : null, spec_limit: opts['no-spec-limit'] ? 'none' : opts['spec-limit'] ? 'all' : '8mb', peer: !opts['no-peer'], concurrency: CONCURRENCY, spec_intent_rate: SPEC_RATE, baseline_intents: opts['baseline-intents'], baseline_finalize: opts['baseline-finalize'] },
  server_features,
  duration_s,
  help: helpStats,
  help_binary: helpBinary,
  dry_run: dryRun,
  ready: readyStats,
  results,
  targets,
  skipped: [...missing.map((m) => ({ part: 'tool', reason: m })), ...skipped],
  failed_runs: failures,
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(exitCode || (failures ? 1 : 0));
