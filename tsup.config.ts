import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import { nodeBuiltins } from './scripts/build/node-builtins.mjs';

/**
 * The web uploader's browser code as text modules of the Worker (src/server/web/assets.ts):
 * `web-client:<name>` → src/server/web/client/<name>.ts bundled for browsers (IIFE, minified);
 * `web-client:styles` → src/server/web/client/app.css as is (a ".css" specifier would go to tsup's postcss).
 * Rebuilt with the Worker, so page and API never drift apart.
 */
const webClientAssets: Plugin = {
  name: 'web-client-assets',
  setup(b) {
    b.onResolve({ filter: /^web-client:/ }, (args) => ({ path: args.path.slice('web-client:'.length), namespace: 'web-client' }));
    b.onLoad({ filter: /.*/, namespace: 'web-client' }, async (args) => {
      const dir = 'src/server/web/client';
      if (args.path === 'styles') {
        return { contents: await readFile(`${dir}/app.css`, 'utf8'), loader: 'text', watchFiles: [`${dir}/app.css`] };
      }
      const out = await build({
        entryPoints: [`${dir}/${args.path}.ts`],
        bundle: true,
        write: false,
        format: 'iife',
        platform: 'browser',
        target: ['chrome110', 'firefox110', 'safari16'],
        minify: true,
        metafile: true,
        tsconfig: `${dir}/tsconfig.json`,
      });
      return { contents: out.outputFiles[0].text, loader: 'text', watchFiles: Object.keys(out.metafile.inputs) };
    });
  },
};

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
    // "files"). Commands are lazy-loaded chunks: `piximmo --help` loads main.js, the messages and the
    // version only (issue 15: --help ≤ 1.3 × `node -e 0`). Every dependency is bundled rather than loaded
    // from node_modules (issue 15, start-up before the first request: one resolve, read and — for CommonJS —
    // export scan per package otherwise); commander's node:child_process (never used here) is loaded on
    // first use — see scripts/build/node-builtins.mjs.
    entry: { main: 'src/cli/index.ts' },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    splitting: true,
    sourcemap: true,
    clean: true,
    outDir: 'dist/cli',
    // Whitespace and syntax minified, names kept (stack traces stay readable; the source maps map them back):
    // V8 reads every module's source at load and each function's again at its first call, so half the bytes
    // is start-up time saved. Measured (issue 15), 20 paired runs each: `upload` of 300 files to its plan's
    // end −19 ms (median of the paired differences), `--help` 142 → 135 ms (hyperfine, 40 runs).
    minifyWhitespace: true,
    minifySyntax: true,
    define,
    external: devExternal,
    noExternal: [/.*/],
    // A real `require` for the bundled CommonJS packages' own dynamic requires (exifr loads `fs` that way,
    // undici `node:http2`): esbuild's stand-in in an ES module throws "Dynamic require … is not supported".
    banner: { js: "import { createRequire as __piximmoRequire } from 'node:module';\nconst require = __piximmoRequire(import.meta.url);" },
    esbuildPlugins: [nodeBuiltins()],
    removeNodeProtocol: false, // tsup's own rewrite would mark node:* external before nodeBuiltins sees it
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
    clean: ['!cli/**', '!bin/**', '!worker.js', '!*.wasm'],
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
    splitting: false, // one file: dynamic imports (the HEIC decoder) are inlined, not chunked
    esbuildOptions(options) {
      // workerd's built-in modules (scan/socket.ts: TCP to clamd) stay imports of the bundle.
      options.external = [...(options.external ?? []), 'cloudflare:sockets'];
      options.conditions = ['workerd', 'worker', 'browser'];
      options.mainFields = ['module', 'main'];
      // libheif-js's Node branch requires these; it never runs in workerd (no `process`).
      options.external = [...(options.external ?? []), 'fs', 'path', 'crypto'];
    },
    esbuildPlugins: [wasmBesideWorker, webClientAssets],
    async onSuccess() {
      copyWorkerWasm();
    },
    sourcemap: false,
    outDir: 'dist',
    clean: false,
  },
]);
