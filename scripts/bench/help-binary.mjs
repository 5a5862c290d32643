// `--help` of the single-file binary against `--help` through node (issue 14: binary ≤ 1.3 × node).
// Paired, alternating runs on the same machine: run i measures both, node first when i is even and the
// binary first when i is odd, so drift in the machine's load hits both sides alike. Reports the medians,
// their ratio and the median of the per-pair ratios. The binary is dist/bin/piximmo-<platform>-<arch> of
// the measured build (`npm run build:binary`); without it the part is skipped and says so.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { measure } from './measure.mjs';
import { median } from './sys.mjs';

export const HELP_BINARY_TARGET = 1.3;

export function hostBinary(appDir) {
  const plat = process.platform === 'win32' ? 'win' : process.platform;
  return path.join(appDir, 'dist', 'bin', `piximmo-${plat}-${process.arch}${plat === 'win' ? '.exe' : ''}`);
}

/**
 * @param {{appDir: string, runs: number, env: NodeJS.ProcessEnv, runDir: (label: string) => string}} o
 * @returns {Promise<null | {runs: number, node_median_ms: number, binary_median_ms: number, ratio: number, pair_ratio_median: number, failures: number, binary: string}>}
 *   null when there is no binary.
 */
export async function measureHelpBinary({ appDir, runs, env, runDir }) {
  const binary = hostBinary(appDir);
  if (!existsSync(binary)) return null;
  const dir = runDir('help-binary');
  const files = (tag) => ({ cwd: dir, env, stdoutFile: path.join(dir, `${tag}.out`), stderrFile: path.join(dir, `${tag}.err`), timeFile: path.join(dir, `${tag}.time`) });
  const sides = {
    node: () => measure(process.execPath, [path.join(appDir, 'bin/piximmo.js'), '--help'], files('node')),
    binary: () => measure(binary, ['--help'], files('binary')),
  };
  const node = [];
  const bin = [];
  let failures = 0;
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['node', 'binary'] : ['binary', 'node'];
    const got = {};
    for (const side of order) {
      const m = await sides[side]();
      if (m.code !== 0) failures++;
      got[side] = m.wall_s * 1000;
    }
    node.push(got.node);
    bin.push(got.binary);
  }
  const node_median_ms = median(node);
  const binary_median_ms = median(bin);
  return {
    runs,
    node_median_ms,
    binary_median_ms,
    ratio: binary_median_ms / node_median_ms,
    pair_ratio_median: median(bin.map((b, i) => b / node[i])),
    failures,
    binary: path.basename(binary),
  };
}
