// `npm run bench -- --only many` (issue 15, "scale with file count"): the same small files, 1,000 and 20,000
// of them, uploaded by piximmo with the intent limit lifted, in one run of the bench. The target: files/s of
// the 20,000-file shoot ≥ 0.8 × the 1,000-file shoot's (the cost per file does not grow with the shoot) and
// peak RSS ≤ 150 MB (memory flat in the number of files). Opt-in: one 20,000-file run takes minutes.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { writeWorkload } from './fixtures.mjs';

/** Bytes of each file. */
export const MANY_BYTES = 50_000;
/** Files per room folder (1 s apart in EXIF: a room spans 2,000 s, less than the hour between rooms). */
const PER_ROOM = 2000;

/** The two workloads: `many-1k` (the reference rate) and `many-20k`; --quick: 200 and 2,000 files. */
export function manyWorkloads(quick) {
  const make = (count) => {
    const rooms = Math.max(1, Math.ceil(count / PER_ROOM));
    return {
      label: `${count.toLocaleString('en-US')} × 50 KB`,
      groups: Array.from({ length: rooms }, (_, i) => ({ count: Math.min(PER_ROOM, count - i * PER_ROOM), bytesEach: MANY_BYTES, folder: `Raum ${i + 1}` })),
      multipart: false,
    };
  };
  return { 'many-1k': make(quick ? 200 : 1000), 'many-20k': make(quick ? 2000 : 20_000) };
}

/**
 * Writes each shoot, runs piximmo on it (`series`, lifted) and removes it again.
 * @returns {Promise<{ small: object|undefined, large: object|undefined }>} the piximmo rows of both
 */
export async function runMany({ gen, tmp, quick, runs, series, say, interrupted }) {
  const rows = {};
  for (const [name, wl] of Object.entries(manyWorkloads(quick))) {
    if (interrupted()) break;
    const shootDir = path.join(tmp, `shoot-${name}`);
    say(`\n${name}: ${wl.label} — writing the shoot…`);
    Object.assign(wl, await writeWorkload(gen, shootDir, wl));
    const out = await series({ workload: name, wl, mode: 'lifted', tools: ['piximmo'], n: runs, intentRate: 0, shootDir });
    rows[name] = out.find((r) => r.tool === 'piximmo');
    rmSync(shootDir, { recursive: true, force: true });
  }
  return { small: rows['many-1k'], large: rows['many-20k'] };
}

/** The targets of issue 15 for the two rows (when both were measured). */
export function manyTargets({ small, large }, fmt) {
  if (!small?.files_s || !large?.files_s) return [];
  const ratio = large.files_s / small.files_s;
  return [
    { what: `${large.workload_label} / ${small.workload_label}: files/s (lifted)`, target: '≥ 0.80', value: fmt(ratio, 2), met: ratio >= 0.8 },
    { what: `${large.workload_label}: piximmo peak RSS (worst run)`, target: '≤ 150 MB', value: `${fmt(large.rss_max_mb, 0)} MB`, met: large.rss_max_mb !== null && large.rss_max_mb <= 150 },
  ];
}
