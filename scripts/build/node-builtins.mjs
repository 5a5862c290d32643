// esbuild plugin for bundling a CommonJS package (commander) into the CLI's ES modules, used by tsup.config.ts
// (dist/cli, ESM) and scripts/build-binary.mjs (the single-file binary, CJS).
//
// 1. `require('node:events')` inside a CommonJS file bundled into an ES module has no `require` to call
//    (esbuild's stub throws "Dynamic require … is not supported"); the plugin turns it into
//    `process.getBuiltinModule('node:events')` (Node ≥ 20.16; package.json engines says ≥ 20.19).
// 2. Modules named in `lazy` are loaded on first use, not at start: commander requires node:child_process at
//    its top for executable subcommands, which piximmo never uses, and child_process pulls in net, dgram and
//    the stream internals — about a fifth of `piximmo --help`'s start-up over `node -e 0` (issue 15).
//    The stand-in is a Proxy that loads the real module at the first property read.
// 3. A lazy module whose plain-data properties a package reads at its top (SNAPSHOT below) gets those values
//    copied in at build time, so that read does not load it: undici's client-h2.js destructures
//    node:http2's `constants` (the HTTP/2 protocol's header names and error codes) when it loads, and only
//    connects over HTTP/2 when asked to (allowH2, which piximmo never sets). node:http2 and the node:tls it
//    pulls in were ~15 ms of CPU before the first request of every command that talks to the API (issue 15,
//    far link: every ms before the first request is the photographer's wait).

import { builtinModules, createRequire } from 'node:module';

const BUILTIN = /^(node:)?[a-z0-9_/]+$/;
const BUILTIN_NAMES = new Set(builtinModules);

/** Lazy modules' plain-data properties copied in at build time (point 3 above): module → property names. */
const SNAPSHOT = { http2: ['constants'] };

/**
 * @param {{ lazy?: string[] }} [options] builtin names without `node:` to load on first use
 * @returns {import('esbuild').Plugin}
 */
export function nodeBuiltins({ lazy = ['child_process', 'http2'] } = {}) {
  const require = createRequire(import.meta.url);
  return {
    name: 'node-builtins',
    setup(build) {
      build.onResolve({ filter: BUILTIN }, (args) => {
        if (args.kind !== 'require-call' || !args.importer.includes('node_modules')) return undefined;
        const name = args.path.replace(/^node:/, '');
        // only Node's own modules; a package of that shape (e.g. "debug") is resolved as usual
        if (!BUILTIN_NAMES.has(name)) return undefined;
        return { path: name, namespace: 'node-builtin' };
      });
      build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => {
        const get = `process.getBuiltinModule(${JSON.stringify(`node:${args.path}`)})`;
        const known = Object.fromEntries((SNAPSHOT[args.path] ?? []).map((key) => [key, require(`node:${args.path}`)[key]]));
        const contents = lazy.includes(args.path)
          ? `let real;\nconst known = ${JSON.stringify(known)};\nmodule.exports = new Proxy({}, { get: (_, key) => (Object.hasOwn(known, key) ? known[key] : (real ??= ${get})[key]) });\n`
          : `module.exports = ${get};\n`;
        return { contents, loader: 'js' };
      });
    },
  };
}
