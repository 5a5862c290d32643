// Bench shoots on disk, written by the project's own generator (src/fixtures/shoot.ts: writeManyFiles —
// valid JPEGs with camera EXIF, padded with COM segments to an exact size, shot 1 s apart in brackets of
// three). The generator is TypeScript outside the tsup entries, so it is bundled here with esbuild (tsup's
// own dependency) into the bench's temp folder; a `dist/bench-fixtures.js` entry is used instead when the
// build ever provides one.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Loads writeManyFiles. `root` = repository root, `tmp` = a folder for the bundle.
 * @returns {Promise<{ writeManyFiles: (dir: string, opts: {count: number, bytesEach: number, folder?: string, seed?: number, start?: string}) => Promise<string[]> }>}
 */
export async function loadGenerator(root, tmp) {
  const prebuilt = path.join(root, 'dist', 'bench-fixtures.js');
  if (existsSync(prebuilt)) {
    const mod = await import(pathToFileURL(prebuilt).href);
    if (typeof mod.writeManyFiles === 'function') return mod;
  }
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is not installed (it comes with tsup): run `npm install` first');
  }
  await mkdir(tmp, { recursive: true });
  const outfile = path.join(tmp, 'bench-fixtures.mjs');
  await esbuild.build({
    entryPoints: [path.join(root, 'src', 'fixtures', 'shoot.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    // jpeg-js and piexifjs are CommonJS: give the ESM bundle a require() for their node: imports.
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
  });
  return import(pathToFileURL(outfile).href);
}

export const MB = 1_000_000;

/**
 * The workloads of issue 5. Sizes are decimal (1 MB = 1,000,000 bytes, as MB/s is). `--quick` shrinks
 * them to a smoke test that still exercises every path (the big file stays above the 100 MiB multipart
 * threshold). Every group lands in its own room folder with the frames loose in it, so piximmo groups
 * brackets from EXIF as it would on a real shoot.
 * @returns {Record<string, {label: string, groups: {count: number, bytesEach: number, folder: string}[], multipart: boolean}>}
 */
export function workloads(quick) {
  const q = (full, small) => (quick ? small : full);
  return {
    '8mb': {
      label: `${q(200, 20)} × 8 MB`,
      groups: [{ count: q(200, 20), bytesEach: 8 * MB, folder: 'Wohnzimmer' }],
      multipart: false,
    },
    '200kb': {
      label: `${q(1000, 100).toLocaleString('en-US')} × 200 KB`,
      // Five rooms of equal size.
      groups: ['Wohnzimmer', 'Kueche', 'Bad', 'Schlafzimmer', 'Flur'].map((folder) => ({
        count: q(200, 20),
        bytesEach: 200_000,
        folder,
      })),
      multipart: false,
    },
    mixed: {
      label: `${q('250', '120')} MB + ${q(100, 10)} × 8 MB`,
      groups: [
        // SPEC limit is 262,144,000 bytes; 250 × 1,000,000 sits just under it and goes multipart (> 100 MiB).
        { count: 1, bytesEach: q(250, 120) * MB, folder: 'Drohne' },
        { count: q(100, 10), bytesEach: 8 * MB, folder: 'Wohnzimmer' },
      ],
      multipart: true,
    },
  };
}

/** Writes one workload below `dir`; returns {files, bytes}. */
export async function writeWorkload(gen, dir, wl) {
  let files = 0;
  let bytes = 0;
  let hour = 9;
  for (const [i, g] of wl.groups.entries()) {
    // Each room an hour later, so no bracket spans two rooms; distinct seeds → distinct pixels per room.
    await gen.writeManyFiles(dir, {
      count: g.count,
      bytesEach: g.bytesEach,
      folder: g.folder,
      seed: i + 1,
      start: `2025:11:10 ${String(hour).padStart(2, '0')}:00:00`,
    });
    hour += 1;
    files += g.count;
    bytes += g.count * g.bytesEach;
  }
  return { files, bytes };
}
