#!/usr/bin/env node
// The main job on the embedded default (README): start the local server with the demo seed on a fresh
// state folder, upload the demo shoot into the demo order with live progress, print the order's files.
// Usage: npm run demo [-- --keep]   (--keep leaves the server running until Ctrl-C)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const state = mkdtempSync(path.join(tmpdir(), 'piximmo-demo-'));
const ORDER = 'ORD-1';

const server = spawn(process.execPath, [path.join(root, 'dist/local-server.js'), '--port', '0', '--state', path.join(state, 'server')], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let buf = '';
  server.stdout.setEncoding('utf8').on('data', (d) => {
    buf += d;
    const m = /listening on (http:\/\/\S+)/.exec(buf);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`local server exited (${code}) before it was ready`)));
});
console.error(`local server: ${url} (state in ${state})`);

const env = {
  ...process.env,
  PIXIMMO_API_URL: url,
  PIXIMMO_TOKEN: 'tok-alice',
  PIXIMMO_CONFIG_DIR: path.join(state, 'config'),
  PIXIMMO_STATE_DIR: path.join(state, 'cli-state'),
};
const cli = (args) =>
  new Promise((resolve) => {
    const c = spawn(process.execPath, [path.join(root, 'bin/piximmo.js'), ...args], { cwd: root, env, stdio: 'inherit' });
    c.on('exit', (code) => resolve(code ?? 1));
  });

let code = await cli(['upload', path.join(root, 'fixtures/demo-shoot'), '--order', ORDER]);
console.log(`\nFiles of ${ORDER} on the server:`);
const listed = await cli(['files', '--order', ORDER]);
code ||= listed;
if (keep) {
  console.error(`\nThe server keeps running at ${url} (token tok-alice). Ctrl-C to stop.`);
  await new Promise((r) => process.once('SIGINT', r));
}
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
rmSync(state, { recursive: true, force: true });
process.exit(code);
