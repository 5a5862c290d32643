// Starts and stops the local server (dist/local-server.js) as a child process, as scripts/demo.mjs does.
// A server that refuses an option (exit 2, "Unknown option") is reported as NotAvailable so that parts
// of the bench that need a newer server (S3 storage) can skip with a clear line instead of crashing.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';

export class NotAvailable extends Error {
  constructor(message) {
    super(message);
    this.name = 'NotAvailable';
  }
}

/**
 * @param {{root: string, stateDir: string, seed: string, intentRate?: number, extra?: string[], logFile: string}} o
 * @returns {Promise<{url: string, pid: number, stop: () => Promise<void>}>}
 */
export async function startServer(o) {
  const args = [path.join(o.root, 'dist', 'local-server.js'), '--port', '0', '--state', o.stateDir, '--seed', o.seed];
  if (o.intentRate !== undefined) args.push('--intent-rate', String(o.intentRate));
  // The data-path comparisons run without the malware scan (its cost is measured apart: ready.mjs, which
  // passes its own --scanner; the last flag wins).
  args.push('--scanner', 'none');
  if (o.extra) args.push(...o.extra);
  const log = createWriteStream(o.logFile, { flags: 'a' });
  // Own process group: workerd (Miniflare's runtime) is the server's child, and a workerd left behind by
  // a server that exited without disposing it (seen a few times under load) is removed with the group.
  const child = spawn(process.execPath, args, { cwd: o.root, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv(), detached: true });
  const killGroup = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is empty: nothing left behind
    }
  };
  process.on('exit', killGroup);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    if (stderr.length < 20_000) stderr += d;
    log.write(d);
  });
  let exited = null;
  const exitP = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      log.write(d);
      buf += d;
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    exitP.then(({ code, signal }) => {
      killGroup();
      process.removeListener('exit', killGroup);
      const why = stderr.trim().split('\n').slice(-3).join(' | ');
      if (code === 2 && /unknown option|unexpected argument|--storage|--s3/i.test(stderr)) {
        reject(new NotAvailable(`the local server refuses ${(o.extra ?? []).filter((a) => a.startsWith('--')).join(' ')}: ${why}`));
      } else reject(new Error(`local server exited (${code ?? signal}) before it was ready: ${why}`));
    });
  });
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, 15_000);
    await exitP;
    clearTimeout(t);
    killGroup();
    process.removeListener('exit', killGroup);
    await new Promise((r) => log.end(r));
  };
  return { url, pid: child.pid, stop };
}

/** The bench's own environment without the CLI's settings (they must not leak into the server). */
function serverEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PIXIMMO_')) delete env[k];
  return env;
}

/** GET /api/orders/:id/files through the API, every page (SPEC v2: pages of ≤ 1,000); the number of finalized files (or throws). */
export async function countOrderFiles(url, token, orderId) {
  let n = 0;
  let cursor = null;
  do {
    const q = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const res = await fetch(`${url}/api/orders/${encodeURIComponent(orderId)}/files${q}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (!res.ok) throw new Error(`GET /api/orders/${orderId}/files → ${res.status} ${await res.text()}`);
    const body = await res.json();
    n += body.files.length;
    cursor = body.next_cursor ?? null;
  } while (cursor);
  return n;
}

/**
 * Whether the server offers batch intents (POST /api/uploads/intents): 404 → no. An empty body is
 * answered 400 by a route that exists (nothing is issued, no intent counted against the rate).
 */
export async function probeBatchIntents(url, token) {
  const res = await fetch(`${url}/api/uploads/intents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: '{}',
  });
  await res.arrayBuffer();
  return res.status !== 404 && res.status !== 405;
}
