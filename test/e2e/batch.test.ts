/**
 * Issue 4, test 3: `piximmo batch` — a CSV of three folders into two orders with one pool and one summary;
 * a re-run sends nothing; a folder with a wrong order fails with exit 4 while the other folders complete.
 * Also JSON batch files and a malformed batch file (exit 2).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import type { FileListResponse } from '../../src/contract/api.js';

describe('piximmo batch', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let base: string;
  let cli: CliEnv;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    proxy = await FaultProxy.start(server.url);
    base = mkdtempSync(path.join(tmpdir(), 'piximmo-batch-'));
    let seed = 0;
    for (const [folder, rooms] of [
      ['shoot-a', ['Wohnzimmer/g1', 'Küche/g2']],
      ['shoot-b', ['Bad/g1']],
      ['shoot-c', ['Schlafzimmer/g1']],
      ['shoot-x', ['Flur/g1']],
    ] as const) {
      for (const room of rooms) {
        mkdirSync(path.join(base, folder, room), { recursive: true });
        for (let i = 0; i < 3; i++) writeFileSync(path.join(base, folder, room, `IMG_${seed}.JPG`), makeJpeg({ seed: 9000 + seed++ }));
      }
    }
    cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
  });

  afterAll(async () => {
    cli?.cleanup();
    rmSync(base, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  async function count(order: string): Promise<number> {
    const res = await fetch(`${server.url}/api/orders/${order}/files`, { headers: { authorization: 'Bearer tok-alice' } });
    return ((await res.json()) as FileListResponse).files.length;
  }

  it('three folders into two orders, one summary; a re-run sends nothing', async () => {
    const csv = path.join(base, 'import.csv');
    writeFileSync(csv, 'folder,order\nshoot-a,ORD-1\nshoot-b,ORD-1\nshoot-c,ORD-2\n');
    const r = await cli.run(['batch', csv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await count('ORD-1')).toBe(9);
    expect(await count('ORD-2')).toBe(3);
    const summaries = r.events.filter((e) => e.event === 'summary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ files: 12, registered: 12, failed: 0 });
    expect(new Set((summaries[0].rooms as { order_id: string }[]).map((x) => x.order_id))).toEqual(new Set(['ORD-1', 'ORD-2']));

    const before = proxy.log.length;
    const again = await cli.run(['batch', csv, '--no-progress']);
    expect(again.code, again.stderr).toBe(0);
    expect(proxy.log.slice(before).filter((e) => e.kind === 'intent' || e.kind === 'put')).toEqual([]);
    expect(again.stdout).toContain('12 of 12 files registered (12 already there)');
  });

  it('a folder with a wrong order fails with exit code 4 while the other folders complete', async () => {
    const json = path.join(base, 'import.json');
    writeFileSync(json, JSON.stringify([{ folder: 'shoot-x', order: 'ORD-9' }, { folder: 'shoot-c', order: 'ORD-1' }]));
    const r = await cli.run(['batch', json, '--no-progress']);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stderr).toContain('ORD-9');
    expect(await count('ORD-1')).toBe(12);
    expect(await count('ORD-9').catch(() => 0)).toBe(0);
  });

  it('a malformed batch file is a usage error (exit 2) naming the problem', async () => {
    const bad = path.join(base, 'bad.csv');
    writeFileSync(bad, 'path,auftrag\nshoot-a,ORD-1\n');
    const r = await cli.run(['batch', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs a folder and an order');
  });
});
