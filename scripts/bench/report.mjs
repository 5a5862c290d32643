// The bench's table (stderr) and target lines.

const MODE_LABEL = {
  lifted: 'lifted',
  spec: 'SPEC 3/s',
  peer: 'nginx sink',
};

const f = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

function table(header, rows, alignLeft) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (alignLeft.includes(i) ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** How the baseline asked: " (batch)" = batch intents, " (batch i+f)" = batch intents and finalizes. */
function baselineLabel(r) {
  if (r.intents === 'batch') return r.finalizes === 'batch' ? ' (batch i+f)' : ' (batch)';
  return r.finalizes === 'batch' ? ' (batch f)' : '';
}

/** Results table: one line per (workload, mode, tool), medians; plus --help and --dry-run lines. */
export function renderTable(results, { helpStats, dryRun }) {
  const header = ['workload', 'mode', 'tool', 'runs', 'wall s', 'MB/s', 'files/s', 'peak RSS MB', 'CPU s', 'srv ms/file', 'req ms/file', 'ratio'];
  const rows = results.map((r) => [
    r.workload_label,
    (MODE_LABEL[r.mode] ?? r.mode) + (r.mode === 'peer' && r.single_put ? ' (1 PUT)' : ''),
    r.tool + (r.tool === 'baseline' ? baselineLabel(r) : ''),
    r.runs_ok === r.runs ? String(r.runs) : `${r.runs_ok}/${r.runs} ok`,
    r.runs_ok ? f(r.wall_s) : 'FAILED',
    f(r.mb_s, 1),
    f(r.files_s, 1),
    f(r.rss_mb, 0),
    f(r.cpu_s),
    f(r.worker_cpu_ms_per_file, 1),
    f(r.request_cpu_ms_per_file, 1),
    r.ratio === null ? '–' : `${f(r.ratio)}${r.tool === r.ratio_to ? '' : ` ×${r.ratio_to === 'rclone' ? 'rc' : 'bl'}`}`,
  ]);
  if (helpStats) rows.push(['piximmo --help', '–', 'piximmo', String(helpStats.runs), f(helpStats.median_ms / 1000, 3), '–', '–', f(helpStats.rss_mb, 0), '–', '–', '–', '–']);
  if (dryRun) {
    rows.push([
      `dry run, ${dryRun.files.toLocaleString('en-US')} files`,
      '–',
      'piximmo',
      dryRun.runs_ok === dryRun.runs ? String(dryRun.runs) : `${dryRun.runs_ok}/${dryRun.runs} ok`,
      f(dryRun.wall_s),
      '–',
      dryRun.wall_s ? f(dryRun.files / dryRun.wall_s, 0) : '–',
      f(dryRun.rss_mb, 0),
      f(dryRun.cpu_s),
      '–',
      '–',
      '–',
    ]);
  }
  const legend = [
    'Medians over the runs. wall: piximmo and rclone = the whole process (scan, hash, EXIF, upload, final check);',
    'baseline = its data path only (checksums taken before its clock). CPU s = user+sys of the whole process;',
    'srv ms/file = workerd CPU (user+sys from /proc: the Worker with D1, storage emulation, limiter, queue) from the run\'s',
    'start until the server is idle again (the processing it queued included) ÷ files registered; the JSON also has',
    'worker_run_cpu_ms_per_file (during the run only) and host_cpu_ms_per_file (the node process hosting Miniflare).',
    'req ms/file = the requests\' share of srv ms/file: less the preview processing, whose cost per file is taken from',
    'the files processed after the run (server log) — an estimate; – when fewer than 50 were processed after it.',
    'peak RSS from /usr/bin/time (or /proc VmHWM). ratio = wall / baseline wall (×bl) or / rclone wall (×rc).',
    'Modes: lifted = no intent limit (server --intent-rate 0, PIXIMMO_INTENT_RATE=0), Miniflare R2 emulation;',
    'SPEC 3/s = server default 3 intents/s, PIXIMMO_INTENT_RATE=3; nginx sink = server --storage s3 against nginx WebDAV.',
  ];
  return `${table(header, rows, [0, 1, 2])}\n\n${legend.join('\n')}`;
}

export function renderTargets(targets, quick) {
  if (!targets.length) return 'Targets: nothing measured that has one.';
  const rows = targets.map((t) => [t.what, t.target, t.value, t.met ? 'met' : 'MISSED']);
  return `Targets${quick ? ' (quick run: smaller workloads than the targets are set for)' : ''}:\n${table(['what', 'target', 'measured', ''], rows, [0, 1, 2, 3])}`;
}
