// Start-up of the commands that only print (issue 15: `--help` ≤ 1.3 × `node -e 0` on the same machine,
// paired runs): `piximmo --help`, `piximmo upload --help` and `piximmo --version` through node
// (bin/piximmo.js), each paired with `node -e 0` — the floor any Node CLI starts from. Run i measures both
// sides, `node -e 0` first when i is even and piximmo first when i is odd, so drift in the machine's load
// hits both alike. Reports per case the medians, their ratio and the median of the per-pair ratios.
// Wall time is spawn → exit in the bench (through GNU time when installed: both sides alike).
import path from 'node:path';
import { measure } from './measure.mjs';
import { median } from './sys.mjs';

/** Issue 15: piximmo --help / node -e 0, paired medians. */
export const HELP_NODE_TARGET = 1.3;
/** Older absolute target of `piximmo --help` (median wall, ms; issue 14). */
export const HELP_TARGET_MS = 120;

const CASES = [
  { name: 'help', args: ['--help'] },
  { name: 'upload-help', args: ['upload', '--help'] },
  { name: 'version', args: ['--version'] },
];

/**
 * @param {{appDir: string, runs: number, env: NodeJS.ProcessEnv, dir: string}} o  dir: where each run's
 *   output goes (stdout/stderr/time files per side, overwritten run by run)
 * @returns {Promise<{runs: number, node_e0_median_ms: number, cases: Array<{name: string, args: string[],
 *   median_ms: number, min_ms: number, max_ms: number, rss_mb: number|null, node_e0_median_ms: number,
 *   ratio: number, pair_ratio_median: number}>, failures: number}>}
 */
export async function measureHelpStartup({ appDir, runs, env, dir }) {
  const files = (tag) => ({ cwd: dir, env, stdoutFile: path.join(dir, `${tag}.out`), stderrFile: path.join(dir, `${tag}.err`), timeFile: path.join(dir, `${tag}.time`) });
  const bin = path.join(appDir, 'bin/piximmo.js');
  let failures = 0;
  const allBase = [];
  const cases = [];
  for (const c of CASES) {
    const sides = {
      base: () => measure(process.execPath, ['-e', '0'], files('node-e0')),
      cli: () => measure(process.execPath, [bin, ...c.args], files(c.name)),
    };
    const base = [];
    const cli = [];
    const rss = [];
    for (let i = 0; i < runs; i++) {
      const got = {};
      for (const side of i % 2 === 0 ? ['base', 'cli'] : ['cli', 'base']) {
        const m = await sides[side]();
        if (m.code !== 0) failures++;
        got[side] = m.wall_s * 1000;
        if (side === 'cli' && m.rss_mb !== null) rss.push(m.rss_mb);
      }
      base.push(got.base);
      cli.push(got.cli);
    }
    allBase.push(...base);
    cases.push({
      name: c.name,
      args: c.args,
      median_ms: median(cli),
      min_ms: Math.min(...cli),
      max_ms: Math.max(...cli),
      rss_mb: rss.length ? median(rss) : null,
      node_e0_median_ms: median(base),
      ratio: median(cli) / median(base),
      pair_ratio_median: median(cli.map((x, i) => x / base[i])),
    });
  }
  return { runs, node_e0_median_ms: median(allBase), cases, failures };
}
