/**
 * Issue 12 end to end with the real CLI and the real local server (items 4–6, CLI side):
 * - the engine confirms through finalize-batch (counted through the fault proxy: no single finalize),
 *   and falls back to single finalizes on a server without the route (the proxy answers it 404);
 * - `stats` after that known run gives the known counts;
 * - quota pre-flight: a shoot larger than what is left → exit 5 naming both figures, and the proxy saw
 *   no intent and zero PUT body bytes; `whoami` shows the quota (en and de).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadStatsResponse } from '../../src/contract/api.js';
import { formatBytes } from '../../src/cli/format.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** A shoot of `n` JPEGs of ~`bytes` each in two rooms; returns its folder and total size. */
function makeShoot(n: number, bytes: number, seed: number): { dir: string; total: number; sums: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'piximmo-svc-'));
  let total = 0;
  const sums: string[] = [];
  for (let i = 0; i < n; i++) {
    const room = path.join(dir, i % 2 ? 'Küche' : 'Wohnzimmer', `g${i + 1}`);
    mkdirSync(room, { recursive: true });
    const jpeg = makeJpeg({ seed: seed + i, padTo: bytes, exif: { make: 'Canon', model: 'EOS R5', dateTimeOriginal: `2025:11:10 11:00:${String(i).padStart(2, '0')}` } });
    writeFileSync(path.join(room, `IMG_${seed + i}.JPG`), jpeg);
    total += jpeg.length;
    sums.push(createHash('sha256').update(jpeg).digest('hex'));
  }
  return { dir, total, sums };
}

describe('finalize-batch from the CLI, and stats after the run', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let cli: CliEnv;
  const dirs: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    proxy = await FaultProxy.start(server.url);
    cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
  });
  afterAll(async () => {
    cli?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  it('30 files are confirmed through finalize-batch, fewer requests than files, no single finalize', async () => {
    const shoot = makeShoot(30, 20_000, 100);
    dirs.push(shoot.dir);
    const since = new Date().toISOString();
    const r = await cli.run(['upload', shoot.dir, '--order', 'ORD-1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.filter((e) => e.event === 'file' && e.state === 'registered')).toHaveLength(30);
    const batches = proxy.log.filter((e) => e.method === 'POST' && e.path === '/api/uploads/finalize-batch');
    const singles = proxy.log.filter((e) => e.method === 'POST' && e.path === '/api/uploads/finalize');
    expect(singles).toHaveLength(0);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThan(30);
    expect(batches.every((e) => e.status === 200)).toBe(true);

    // stats after this known run: 30 intents, 30 finalized, none expired, the bytes of the shoot
    const st = (await (await fetch(`${server.url}/api/uploads/stats?since=${encodeURIComponent(since)}`, { headers: { Authorization: 'Bearer tok-alice' } })).json()) as UploadStatsResponse;
    expect(st).toMatchObject({ intents: 30, finalized: 30, expired: 0, bytes: shoot.total, success_rate: 1, by_mime: { 'image/jpeg': 30 } });
    expect(st.median_upload_ms).toBeGreaterThanOrEqual(0);
  });

  it('a server without finalize-batch (404) gets single finalizes; the run still succeeds', async () => {
    const shoot = makeShoot(6, 15_000, 300);
    dirs.push(shoot.dir);
    proxy.log.length = 0;
    proxy.missingRoute = (method, p) => method === 'POST' && p === '/api/uploads/finalize-batch';
    try {
      const r = await cli.run(['upload', shoot.dir, '--order', 'ORD-2', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.events.filter((e) => e.event === 'file' && e.state === 'registered')).toHaveLength(6);
      expect(proxy.log.filter((e) => e.path === '/api/uploads/finalize-batch').length).toBeGreaterThanOrEqual(1);
      expect(proxy.log.filter((e) => e.path === '/api/uploads/finalize' && e.status === 200)).toHaveLength(6);
    } finally {
      proxy.missingRoute = undefined;
    }
  });
});

describe('quota', () => {
  const LIMIT = 1_000_000;
  let server: TestServer;
  let proxy: FaultProxy;
  let cli: CliEnv;
  const dirs: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0, quotaBytes: LIMIT });
    proxy = await FaultProxy.start(server.url);
    cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
  });
  afterAll(async () => {
    cli?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  it('whoami shows the quota, in English and German', async () => {
    const en = await cli.run(['whoami']);
    expect(en.code).toBe(0);
    expect(en.stdout).toContain('Storage: 0 B of 1.0 MB used, 1.0 MB left');
    const de = await cli.run(['whoami', '--lang', 'de']);
    expect(de.stdout).toContain('Speicher: 0 B von 1,0 MB belegt, 1,0 MB frei');
    const js = await cli.run(['whoami', '--json']);
    expect(js.events[0]).toMatchObject({ event: 'whoami', user_id: 'alice', quota: { bytes_used: 0, bytes_limit: LIMIT } });
  });

  it('a shoot larger than what is left → exit 5 naming both figures; no intent, zero body bytes', async () => {
    const first = makeShoot(2, 200_000, 500); // 400 KB registered first: 600 KB left
    dirs.push(first.dir);
    expect((await cli.run(['upload', first.dir, '--order', 'ORD-1'])).code).toBe(0);
    const big = makeShoot(4, 200_000, 600); // 800 KB > 600 KB left
    dirs.push(big.dir);
    proxy.log.length = 0;
    const r = await cli.run(['upload', big.dir, '--order', 'ORD-1']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain(`this upload needs ${formatBytes(big.total)}, but only ${formatBytes(LIMIT - first.total)} is left`);
    expect(proxy.log.filter((e) => e.kind === 'intent')).toHaveLength(0);
    expect(proxy.log.filter((e) => e.kind === 'put')).toHaveLength(0);
    expect(proxy.log.reduce((s, e) => s + e.bytesForwarded, 0)).toBe(0);

    const de = await cli.run(['upload', big.dir, '--order', 'ORD-1', '--lang', 'de']);
    expect(de.code).toBe(5);
    expect(de.stderr).toContain('Nicht genug Speicherplatz');
    const js = await cli.run(['upload', big.dir, '--order', 'ORD-1', '--json']);
    expect(js.code).toBe(5);
    expect(js.events.find((e) => e.event === 'error')).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: { need: big.total, left: LIMIT - first.total, used: first.total, limit: LIMIT },
    });
    expect(proxy.log.filter((e) => e.kind === 'put' || e.kind === 'intent')).toHaveLength(0);
  });
});
