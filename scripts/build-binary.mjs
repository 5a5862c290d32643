#!/usr/bin/env node
// `npm run build:binary` — the CLI as one self-contained executable (Node "Single Executable
// Applications", SEA), for photographers without Node. Issue 14.
//
//   1. esbuild bundles src/cli/sea.ts with every dependency into one CommonJS file (dist/bin/piximmo.cjs);
//      SEA runs one CommonJS script whose require() sees Node's built-in modules only.
//   2. `node --experimental-sea-config` turns it into a blob (with V8's code cache when the blob is for this
//      very platform: faster start).
//   3. postject injects the blob into a copy of a Node binary: dist/bin/piximmo-<target>[.exe].
//
// Usage:
//   node scripts/build-binary.mjs                                   this machine, from the running node
//   node scripts/build-binary.mjs --target darwin-arm64 --node ./node-v20.20.2-darwin-arm64/bin/node
//   node scripts/build-binary.mjs --target win-x64 --node ./node-v20.20.2-win-x64/node.exe
// Targets: linux-x64, linux-arm64, darwin-x64, darwin-arm64, win-x64. For another platform pass that
// platform's official Node binary (same major version as the one running this script, which makes the
// blob): from https://nodejs.org/dist/v<version>/ (node-v<version>-darwin-arm64.tar.gz, …-win-x64.zip,
// …). They cannot be downloaded here (no network), so only this machine's target is built and tested.
// The builder also needs `node` able to run the SEA fuse: official builds have it, distro builds with a
// shared libnode may not.
//
// Signing (not required to run; documented):
//   macOS: the injection breaks Node's signature. On a Mac: `codesign --remove-signature <node copy>`
//     before (this script does it when it runs on macOS), then `codesign --sign - piximmo-darwin-arm64`
//     (ad hoc; enough to run locally) or `codesign --sign "Developer ID Application: …" --options runtime`
//     plus `xcrun notarytool submit` for distribution; Gatekeeper blocks unsigned downloads.
//   Windows: optional; unsigned binaries run but SmartScreen warns. `signtool sign /fd SHA256 /a
//     piximmo-win-x64.exe` with a code-signing certificate (the injection invalidates Node's signature;
//     `signtool remove /s` first if signtool complains).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBuiltins } from './build/node-builtins.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win-x64'];

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const host = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
const target = arg('--target') ?? host;
if (!TARGETS.includes(target)) {
  console.error(`--target must be one of ${TARGETS.join(', ')}, got ${target}`);
  process.exit(2);
}
const nodeBinary = path.resolve(arg('--node') ?? process.execPath);
if (target !== host && !arg('--node')) {
  console.error(`--target ${target} is not this machine (${host}): pass --node <that platform's node binary> (see the top of this script)`);
  process.exit(2);
}
const outDir = path.join(root, 'dist', 'bin');
const out = path.join(outDir, `piximmo-${target}${target.startsWith('win') ? '.exe' : ''}`);
const bundle = path.join(outDir, 'piximmo.cjs');
const blob = path.join(outDir, `piximmo-${target}.blob`);
mkdirSync(outDir, { recursive: true });

// 1. One CommonJS file.
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const esbuild = require('esbuild');
await esbuild.build({
  entryPoints: [path.join(root, 'src/cli/sea.ts')],
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  define: { __PIXIMMO_VERSION__: JSON.stringify(version), 'import.meta.url': '__piximmo_import_meta_url' },
  banner: { js: 'const __piximmo_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  // commander's node:child_process on first use only, as in dist/cli (tsup.config.ts)
  plugins: [nodeBuiltins()],
  logLevel: 'warning',
});

// 2. The blob (code cache only for this platform: V8's cache is specific to the binary that makes it).
const seaConfig = path.join(outDir, `sea-config-${target}.json`);
writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: target === host }, null, 2));
const gen = spawnSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });
if (gen.status !== 0) process.exit(gen.status ?? 1);

// 3. A copy of the Node binary with the blob injected.
rmSync(out, { force: true });
copyFileSync(nodeBinary, out);
chmodSync(out, 0o755);
if (target.startsWith('darwin') && process.platform === 'darwin') spawnSync('codesign', ['--remove-signature', out], { stdio: 'inherit' });
const { inject } = require('postject');
await inject(out, 'NODE_SEA_BLOB', readFileSync(blob), {
  sentinelFuse: FUSE,
  machoSegmentName: target.startsWith('darwin') ? 'NODE_SEA' : undefined,
});
if (target.startsWith('darwin') && process.platform === 'darwin') spawnSync('codesign', ['--sign', '-', out], { stdio: 'inherit' });
rmSync(blob, { force: true });
rmSync(seaConfig, { force: true });

const mb = (f) => (statSync(f).size / 1e6).toFixed(1);
console.log(`${path.relative(root, out)}: ${mb(out)} MB (bundle ${mb(bundle)} MB, node ${mb(nodeBinary)} MB)`);
if (target === host) {
  const v = spawnSync(out, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0 || v.stdout.trim() !== version) {
    console.error(`the binary does not run: exit ${v.status}, ${v.stdout}${v.stderr}`);
    process.exit(1);
  }
  console.log(`${path.basename(out)} --version: ${v.stdout.trim()}`);
}
