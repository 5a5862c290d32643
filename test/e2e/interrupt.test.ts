/**
 * Issue 3, tests 3 and 4 (part): Ctrl-C with transfers in flight, a second run on the same manifest,
 * a corrupt manifest rebuilt from the server's list, a file changed while it is being sent.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv, waitFor, parseNdjson } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import type { FileListResponse } from '../../src/contract/api.js';

function manifestFiles(cli: CliEnv): string[] {
  const dir = path.join(cli.env.PIXIMMO_STATE_DIR!, 'manifests');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f));
}

describe('interruptions and the manifest', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let shoot: string;

  async function listed(order: string): Promise<FileListResponse['files']> {
    const res = await fetch(`${server.url}/api/orders/${order}/files`, { headers: { authorization: 'Bearer tok-alice' } });
    return ((await res.json()) as FileListResponse).files;
  }

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    proxy = await FaultProxy.start(server.url);
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-int-'));
    mkdirSync(path.join(shoot, 'Küche', 'g1'), { recursive: true });
    for (let i = 0; i < 8; i++) {
      writeFileSync(path.join(shoot, 'Küche', 'g1', `IMG_${200 + i}.JPG`), makeJpeg({ seed: 200 + i, padTo: 1_000_000 }));
    }
  });

  afterAll(async () => {
    rmSync(shoot, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  it('Ctrl-C with transfers in flight: exit 130 within 2 s, a valid manifest, a second run refused meanwhile, the next run completes', async () => {
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      proxy.opts.throttleBps = 400_000; // slow link: transfers are surely in flight
      const run = cli.spawn(['upload', shoot, '--order', 'ORD-1', '--json']);
      expect(await waitFor(() => parseNdjson(run.output().stdout).filter((e) => e.state === 'uploading').length >= 2)).toBe(true);

      // A second run on the same (folder, order) is refused, naming the other process.
      const second = await cli.run(['upload', shoot, '--order', 'ORD-1']);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`process ${run.child.pid}`);

      const t0 = Date.now();
      run.child.kill('SIGINT');
      const r = await run.done;
      const elapsed = Date.now() - t0;
      expect(r.code, r.stderr).toBe(130);
      expect(r.signal).toBeNull(); // it ended itself: no library re-raised the signal (own-signals.ts)
      expect(elapsed).toBeLessThan(2000);
      const summary = r.events.find((e) => e.event === 'summary')!;
      expect(summary.interrupted).toBe(true);
      for (const m of manifestFiles(cli)) expect(() => JSON.parse(readFileSync(m, 'utf8'))).not.toThrow();

      proxy.opts.throttleBps = undefined;
      const again = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
      expect(again.code, again.stderr).toBe(0);
      const files = await listed('ORD-1');
      expect(files).toHaveLength(8);
      expect(new Set(files.map((f) => f.checksum)).size).toBe(8);
    } finally {
      proxy.opts.throttleBps = undefined;
      cli.cleanup();
    }
  });

  it('Ctrl-C twice quits at once with 130, and the manifest on disk is still valid', async () => {
    const cli = new CliEnv(proxy.url, 'tok-bob', { PIXIMMO_INTENT_RATE: '0' }); // bob's ORD-9: the other tests count alice's orders
    const dir = mkdtempSync(path.join(tmpdir(), 'piximmo-twice-'));
    for (let i = 0; i < 4; i++) writeFileSync(path.join(dir, `IMG_${i}.JPG`), makeJpeg({ seed: 4400 + i, padTo: 1_000_000 }));
    try {
      proxy.opts.throttleBps = 200_000;
      const run = cli.spawn(['upload', dir, '--order', 'ORD-9', '--json']);
      expect(await waitFor(() => parseNdjson(run.output().stdout).some((e) => e.state === 'uploading'))).toBe(true);
      run.child.kill('SIGINT');
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.code).toBe(130);
      for (const m of manifestFiles(cli)) expect(() => JSON.parse(readFileSync(m, 'utf8'))).not.toThrow();
      proxy.opts.throttleBps = undefined;
      const again = await cli.run(['upload', dir, '--order', 'ORD-9']);
      expect(again.code, again.stderr).toBe(0);
    } finally {
      proxy.opts.throttleBps = undefined;
      rmSync(dir, { recursive: true, force: true });
      cli.cleanup();
    }
  });

  it('a corrupt manifest is set aside with a clear message and rebuilt from the server: nothing is sent again', async () => {
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      expect((await cli.run(['upload', shoot, '--order', 'ORD-1'])).code).toBe(0);
      const [m] = manifestFiles(cli);
      writeFileSync(m, '{"version":1,"files":{"Küche/g1/IMG_2'); // truncated, as after a crash of the disk
      const before = proxy.log.length;
      const r = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/manifest was unreadable/);
      expect(r.events.some((e) => e.event === 'warning' && e.code === 'MANIFEST_REBUILT')).toBe(true);
      const sent = proxy.log.slice(before).filter((e) => e.kind === 'intent' || e.kind === 'put');
      expect(sent).toEqual([]);
      expect(await listed('ORD-1')).toHaveLength(8);
    } finally {
      cli.cleanup();
    }
  });

  it('a file changed while it is being sent is hashed and uploaded again, never registered torn', async () => {
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    const dir = mkdtempSync(path.join(tmpdir(), 'piximmo-chg-'));
    const file = path.join(dir, 'IMG_9000.JPG');
    writeFileSync(file, makeJpeg({ seed: 9000, padTo: 2_000_000 }));
    try {
      proxy.opts.throttleBps = 1_000_000;
      let changed = false;
      proxy.onRequest = (e) => {
        if (e.kind === 'put' && !changed) {
          changed = true;
          setTimeout(() => appendFileSync(file, Buffer.alloc(1000, 7)), 300);
        }
      };
      const r = await cli.run(['upload', dir, '--order', 'ORD-2', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const files = await listed('ORD-2');
      expect(files).toHaveLength(1);
      expect(files[0].checksum).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
      expect(files[0].bytes).toBe(readFileSync(file).length);
    } finally {
      proxy.onRequest = undefined;
      proxy.opts.throttleBps = undefined;
      rmSync(dir, { recursive: true, force: true });
      cli.cleanup();
    }
  });
});
