/**
 * The local server itself (SPEC "The local server"): state persists across restarts (R2, D1, the
 * signing secret), migrations and seed are idempotent, seeds can be objects, and the CLI runner
 * prints `listening on http://127.0.0.1:<port>` and exits 0 on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { api, finalize, intent, put, randomBytes, sha256 } from './_client.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('persistence', () => {
  it('keeps files, objects, migrations and the signing secret across a restart', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'piximmo-persist-'));
    dirs.push(stateDir);
    const a = await startTestServer({ stateDir, intentRate: 0 });
    const bytes = randomBytes(1000);
    const done = await intent(a.url, { bytes: 1000, checksum: sha256(bytes) });
    await put(done.body.signed_url, done.body.headers, bytes);
    const fin = await finalize(a.url, { object_key: done.body.object_key, bytes: 1000, checksum: sha256(bytes) });
    const pending = await intent(a.url, { bytes: 1000 });
    await a.close();
    expect(existsSync(stateDir)).toBe(true); // caller-owned state dir is kept

    const b = await startTestServer({ stateDir, intentRate: 0 });
    try {
      const files = await api(b.url, 'GET', '/api/orders/ORD-1/files');
      expect(files.body.files.map((f) => f.file_id)).toEqual([fin.body.file_id]);
      // a URL signed before the restart is still valid (same secret, same intent), on the new port
      const moved = pending.body.signed_url.replace(/^http:\/\/[^/]+/, b.url);
      expect((await put(moved, pending.body.headers, randomBytes(1000))).status).toBe(200);
      const db = await b.mf.getD1Database('DB');
      const m = await db.prepare('SELECT name FROM d1_migrations').all<{ name: string }>();
      expect(m.results.map((r) => r.name)).toEqual(readdirSync(new URL('../../migrations', import.meta.url)).filter((f) => f.endsWith('.sql')).sort());
      // versions continue after the restart
      expect((await intent(b.url)).body.object_key).toMatch(/_v3\.jpg$/);
    } finally {
      await b.close();
    }
  });
});

describe('processing off (--processing off, the bench\'s data-path comparisons)', () => {
  it('a finalized file is listed and stays uploaded: no previews are made, nothing is scanned', async () => {
    const s = await startTestServer({ intentRate: 0, processing: false, persist: false });
    try {
      const bytes = randomBytes(1000);
      const done = await intent(s.url, { bytes: 1000, checksum: sha256(bytes) });
      await put(done.body.signed_url, done.body.headers, bytes);
      const fin = await finalize(s.url, { object_key: done.body.object_key, bytes: 1000, checksum: sha256(bytes) });
      expect(fin.status).toBe(200);
      // The consumer would take the job within its 1 s batch timeout (start.ts); with none, the file waits.
      await new Promise((r) => setTimeout(r, 2500));
      const files = await api(s.url, 'GET', '/api/orders/ORD-1/files');
      expect(files.body.files.map((f) => [f.file_id, f.status, f.previews])).toEqual([[fin.body.file_id, 'uploaded', []]]);
    } finally {
      await s.close();
    }
  });
});

describe('seed', () => {
  it('accepts an object, with sessions and several orders', async () => {
    const s = await startTestServer({
      seed: { users: [{ id: 'carol', name: 'Carol', device_token: 'tok-carol', session: 's-c', orders: [{ id: 'C-1', shootcode: 'SHC' }] }] },
      persist: false,
    });
    try {
      expect((await api(s.url, 'GET', '/api/me', { Cookie: 'piximmo_session=s-c' })).body.user_id).toBe('carol');
      expect((await api(s.url, 'GET', '/api/me', { Authorization: 'Bearer tok-alice' })).status).toBe(401);
      const i = await intent(s.url, { order_id: 'C-1' }, { Authorization: 'Bearer tok-carol' });
      expect(i.body.object_key).toMatch(/^user\/carol\/orders\/C-1\/raw\/\d{4}-\d\d-\d\d_SHC_unsorted_s000_v1\.jpg$/);
    } finally {
      await s.close();
    }
  });
});

const RUNNER = new URL('../../dist/local-server.js', import.meta.url).pathname;

describe('CLI runner (dist/local-server.js)', () => {
  it.skipIf(!existsSync(RUNNER))('prints the listening line, serves, and exits 0 on SIGTERM', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'piximmo-run-'));
    dirs.push(stateDir);
    const child = spawn(process.execPath, [RUNNER, '--port', '0', '--state', stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before listening`)));
      setTimeout(() => reject(new Error('no listening line in 20 s')), 20_000);
    });
    expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    const url = line.trim().slice('listening on '.length);
    expect((await api(url, 'GET', '/api/me')).body.user_id).toBe('alice');
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it.skipIf(!existsSync(RUNNER))('a request that comes in as soon as the port is open, before the listening line, waits for the migrations and the seed (start-up gate): alice is known, the order is hers', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'piximmo-gate-'));
    dirs.push(stateDir);
    const port = await freePort();
    const child = spawn(process.execPath, [RUNNER, '--port', String(port), '--state', stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let listening = false;
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) listening = true;
    });
    try {
      const deadline = Date.now() + 20_000;
      while (!(await accepts(port))) {
        if (Date.now() > deadline) throw new Error('the port never opened');
        await new Promise((r) => setTimeout(r, 5));
      }
      const early = listening; // before the fix, the window between the two was 1–2 s: the requests below met no tables
      const url = `http://127.0.0.1:${port}`;
      const [me, files] = await Promise.all([api(url, 'GET', '/api/me'), api(url, 'GET', '/api/orders/ORD-1/files')]);
      expect(me.status).toBe(200);
      expect(me.body.user_id).toBe('alice');
      expect(files.status).toBe(200);
      expect(early).toBe(false);
    } finally {
      await new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
  });
});

/** A TCP port free right now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Whether 127.0.0.1:`port` accepts a TCP connection now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}
