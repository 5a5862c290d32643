// The nginx sink of the peer run: nginx (Debian: nginx-light) on 127.0.0.1 with WebDAV PUT into a root
// folder, configured from nginx.conf.template in a temporary prefix, `daemon off`, stopped by SIGTERM.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort, which } from './sys.mjs';

const TEMPLATE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'nginx.conf.template');

export function nginxBinary() {
  return which('nginx');
}

/**
 * @param {{prefix: string, root: string, bucket: string}} o  prefix: nginx's temp folder; root: the sink
 *   folder (objects land in root/<bucket>/<key>)
 * @returns {Promise<{endpoint: string, port: number, stop: () => Promise<void>}>}
 */
export async function startNginx(o) {
  const bin = nginxBinary();
  if (!bin) throw new Error('nginx is not installed');
  mkdirSync(o.prefix, { recursive: true });
  mkdirSync(path.join(o.root, o.bucket), { recursive: true });
  // The worker must be able to write the sink: as root run it as root; otherwise it runs as us anyway.
  chmodSync(o.root, 0o777);
  chmodSync(path.join(o.root, o.bucket), 0o777);
  const port = await freePort();
  const conf = readFileSync(TEMPLATE, 'utf8')
    .replaceAll('{{PREFIX}}', o.prefix)
    .replaceAll('{{ROOT}}', o.root)
    .replaceAll('{{BODY_TEMP}}', path.join(o.root, '.body-temp'))
    .replaceAll('{{PORT}}', String(port))
    .replaceAll('{{USER_LINE}}', process.getuid?.() === 0 ? 'user root;' : '');
  const confFile = path.join(o.prefix, 'nginx.conf');
  writeFileSync(confFile, conf);
  // -e: the startup error log goes to the prefix too (never /var/log/nginx).
  const child = spawn(bin, ['-p', o.prefix, '-c', confFile, '-e', path.join(o.prefix, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  let exited = null;
  const exitP = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  try {
    await Promise.race([
      waitForPort(port, 10_000),
      exitP.then(() => {
        throw new Error(`nginx exited (${exited.code ?? exited.signal}): ${stderr.trim() || readLog(o.prefix)}`);
      }),
    ]);
  } catch (e) {
    if (!exited) child.kill('SIGKILL');
    throw e;
  }
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM'); // fast shutdown of master and workers
    const t = setTimeout(() => !exited && child.kill('SIGKILL'), 10_000);
    await exitP;
    clearTimeout(t);
  };
  return { endpoint: `http://127.0.0.1:${port}`, port, stop };
}

function readLog(prefix) {
  try {
    return readFileSync(path.join(prefix, 'error.log'), 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}
