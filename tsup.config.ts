import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
  devDependencies?: Record<string, string>;
};

// The one place the version comes from: package.json, injected at build time (`piximmo --version`, the
// User-Agent). The single-file binary has no package.json to read at run time.
const define = { __PIXIMMO_VERSION__: JSON.stringify(pkg.version) };

// tsup keeps `dependencies` external and bundles everything else; the backend's packages (miniflare,
// sharp, …) are devDependencies but must stay external too (native binaries, dynamic requires).
const devExternal = Object.keys(pkg.devDependencies ?? {});

export default defineConfig([
  {
    // The CLI alone, in its own folder: dist/cli/ is exactly what the npm package ships (package.json
    // "files"). Commands are lazy-loaded chunks: `piximmo --help` loads none of them.
    entry: { main: 'src/cli/index.ts' },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    splitting: true,
    sourcemap: true,
    clean: true,
    outDir: 'dist/cli',
    define,
    external: devExternal,
  },
  {
    // Node side, not shipped in the npm package: the local server runner, the fixture generators.
    entry: {
      'local-server': 'src/server/local/run.ts',
      'gen-fixtures': 'src/fixtures/generate.ts',
      // The benchmark's shoot generator (scripts/bench uses dist/bench-fixtures.js when present).
      'bench-fixtures': 'src/fixtures/shoot.ts',
      // `npm run dev`: .dev.vars, D1 migrations and the demo seed for wrangler dev.
      'dev-setup': 'src/server/local/dev-setup.ts',
    },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    splitting: true,
    sourcemap: true,
    // Empties dist/ but for the other builds' outputs (the configs build side by side).
    clean: ['!cli/**', '!bin/**', '!worker.js'],
    outDir: 'dist',
    define,
    external: devExternal,
  },
  {
    // Worker side: one self-contained ES module for workerd (Miniflare locally, Cloudflare in production).
    entry: { worker: 'src/server/worker.ts' },
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    noExternal: [/.*/],
    esbuildOptions(options) {
      options.conditions = ['workerd', 'worker', 'browser'];
      options.mainFields = ['module', 'main'];
    },
    sourcemap: false,
    outDir: 'dist',
    clean: false,
  },
]);
