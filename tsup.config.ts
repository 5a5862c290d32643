import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // Node side: the CLI, the local server runner, the fixture generator.
    entry: {
      cli: 'src/cli/main.ts',
      'local-server': 'src/server/local/run.ts',
      'gen-fixtures': 'src/fixtures/generate.ts',
      // The benchmark's shoot generator (scripts/bench uses dist/bench-fixtures.js when present).
      'bench-fixtures': 'src/fixtures/shoot.ts',
    },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    splitting: true, // commands are lazy-loaded chunks: `piximmo --help` loads none of them
    // The local server runner loads Miniflare (a devDependency, so tsup would bundle it: it must stay a
    // package, it ships workerd and loads its own files at run time).
    external: ['miniflare'],
    sourcemap: true,
    clean: true,
    outDir: 'dist',
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
