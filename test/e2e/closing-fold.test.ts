/**
 * Issue 15, far link: the run's closing check rides on its last confirmation batch (`closing_check` of
 * POST /api/uploads/finalize-batch), end to end with the real CLI binary and the real local server, every
 * request seen by the fault proxy (test/helpers/fault-proxy.ts):
 * - an upload asks neither the order's list nor its stacks after its last batch, and its check still says
 *   every file is listed;
 * - a server that answers without `closing_check` (an older one: the proxy strips it) → the list and the
 *   stacks are asked as before;
 * - a closing check that lacks a file of the run (as when a batch crossed the last one) → that order's list
 *   is asked, and nothing is reported missing.
 * No timed assertions: requests and outcomes only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const BATCH = '/api/uploads/finalize-batch';

describe('the closing check from the last confirmation batch (issue 15)', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let cli: CliEnv;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'piximmo-fold-'));
    const orders = ['ORD-1', 'ORD-2', 'ORD-3'].map((id, i) => ({ id, shootcode: `SHF${i + 1}` }));
    server = await startTestServer({ intentRate: 0, seed: { users: [{ id: 'alice', name: 'Alice', device_token: 'tok-alice', orders }] } });
    proxy = await FaultProxy.start(server.url);
    cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
  });
  afterAll(async () => {
    cli?.cleanup();
    rmSync(root, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  /** Uploads 8 small JPEGs (two rooms) into `order`; returns the run and the requests the proxy saw. */
  async function upload(order: string, seed: number) {
    const shoot = path.join(root, order);
    for (const [r, room] of ['Küche', 'Bad'].entries()) {
      mkdirSync(path.join(shoot, room), { recursive: true });
      for (let i = 0; i < 4; i++) {
        const jpeg = makeJpeg({ seed: seed + r * 10 + i, padTo: 5_000, exif: { make: 'Canon', model: 'EOS R5', dateTimeOriginal: `2025:11:10 1${r}:0${i}:00` } });
        writeFileSync(path.join(shoot, room, `IMG_${seed + r * 10 + i}.JPG`), jpeg);
      }
    }
    proxy.log.length = 0;
    const r = await cli.run(['upload', shoot, '--order', order, '--json']);
    const asked = proxy.log.filter((e) => e.method === 'GET' && e.path.startsWith(`/api/orders/${order}/`)).map((e) => e.path.replace(/\?.*/, ''));
    const summary = r.events.find((e) => e.event === 'summary') as { server_check?: { checked: boolean; missing: unknown[]; incomplete_stacks?: unknown[] } } | undefined;
    return { r, asked, check: summary?.server_check, batches: proxy.log.filter((e) => e.path === BATCH) };
  }

  it('an upload asks neither the list nor the stacks after its last batch; every file is found listed', async () => {
    const x = await upload('ORD-1', 100);
    expect(x.r.code, x.r.stderr).toBe(0);
    expect(x.r.events.filter((e) => e.event === 'file' && e.state === 'registered')).toHaveLength(8);
    expect(x.check).toMatchObject({ checked: true, missing: [], incomplete_stacks: [] });
    expect(x.batches.length).toBeGreaterThan(0);
    expect(x.asked).toEqual([]);
  }, 120_000);

  it('a server that answers without closing_check (an older one) → the list and the stacks are asked as before', async () => {
    proxy.rewriteJson = (method, p) =>
      method === 'POST' && p === BATCH
        ? (body) => {
            delete body.closing_check;
            return body;
          }
        : undefined;
    try {
      const x = await upload('ORD-2', 200);
      expect(x.r.code, x.r.stderr).toBe(0);
      expect(x.check).toMatchObject({ checked: true, missing: [], incomplete_stacks: [] });
      expect(x.asked.sort()).toEqual(['/api/orders/ORD-2/files', '/api/orders/ORD-2/stacks']);
    } finally {
      proxy.rewriteJson = undefined;
    }
  }, 120_000);

  it('a closing check that lacks a file of the run → the list is asked; nothing is reported missing', async () => {
    proxy.rewriteJson = (method, p) =>
      method === 'POST' && p === BATCH
        ? (body) => {
            const closing = body.closing_check as { file_ids?: string[] }[] | undefined;
            for (const e of closing ?? []) e.file_ids?.shift();
            return body;
          }
        : undefined;
    try {
      const x = await upload('ORD-3', 300);
      expect(x.r.code, x.r.stderr).toBe(0);
      expect(x.check).toMatchObject({ checked: true, missing: [] });
      expect(x.asked).toContain('/api/orders/ORD-3/files');
    } finally {
      proxy.rewriteJson = undefined;
    }
  }, 120_000);
});
