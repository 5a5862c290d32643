import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';

/**
 * `*.wasm` imports of the Worker stay separate modules beside dist/worker.js (workerd compiles no
 * WebAssembly from bytes at run time): the import is rewritten to `./<name>.wasm`, and libheif's wasm is
 * copied into dist/ (Miniflare modulesRules / wrangler [[rules]] CompiledWasm load it).
 */
const wasmBesideWorker = {
  name: 'wasm-beside-worker',
  setup(build: { onResolve: (o: { filter: RegExp }, cb: (a: { path: string }) => { path: string; external: boolean }) => void }) {
    build.onResolve({ filter: /\.wasm$/ }, (args) => ({ path: `./${args.path.split('/').pop()}`, external: true }));
  },
};
const require = createRequire(import.meta.url);
function copyWorkerWasm(): void {
  mkdirSync('dist', { recursive: true });
  copyFileSync(require.resolve('libheif-js/libheif-wasm/libheif.wasm'), 'dist/libheif.wasm');
}

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
    // miniflare is a devDependency (so not external by default) and cannot be bundled (dynamic requires):
    // dist/local-server.js loads it from node_modules.
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
    splitting: false, // one file: dynamic imports (the HEIC decoder) are inlined, not chunked
    esbuildOptions(options) {
      options.conditions = ['workerd', 'worker', 'browser'];
      options.mainFields = ['module', 'main'];
      // libheif-js's Node branch requires these; it never runs in workerd (no `process`).
      options.external = [...(options.external ?? []), 'fs', 'path', 'crypto'];
    },
    esbuildPlugins: [wasmBesideWorker],
    async onSuccess() {
      copyWorkerWasm();
    },
    sourcemap: false,
    outDir: 'dist',
    clean: false,
  },
]);
