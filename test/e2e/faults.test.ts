/**
 * Issue 3, test 1: 50 files through a proxy that breaks 20 % of requests (connections cut mid-body,
 * stalls, 503, expired URLs, HTML and truncated JSON answers). The run — re-run if the CLI gives up —
 * ends with all 50 registered exactly once.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv } from '../helpers/cli.js';
import { FaultProxy, type FaultKind } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import type { FileListResponse } from '../../src/contract/api.js';

describe('uploads through a faulty network', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let cli: CliEnv;
  let shoot: string;
  const checksums = new Set<string>();

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    proxy = await FaultProxy.start(server.url, { rate: 0.2, stallMs: 2500, seed: 42 });
    // Every kind at least once, whatever the timing: the first four PUTs get the four PUT faults, the first
    // intent request an HTML page, the first finalize request truncated JSON; the rest is the seeded 20 %
    // draw. (A batching client makes only a handful of API requests per run, so a draw alone could miss a kind.)
    const firstFaults: Record<string, FaultKind[]> = { put: ['drop', 'stall', 'http-503', 'expire'], intent: ['html'], finalize: ['truncated-json'] };
    proxy.decide = ({ kind }) => firstFaults[kind]?.shift();
    cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_STALL_MS: '1000', PIXIMMO_INTENT_RATE: '0' });
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-faults-'));
    for (let i = 0; i < 50; i++) {
      const dir = path.join(shoot, ['Wohnzimmer', 'Küche', 'Bad'][i % 3], `g${Math.floor(i / 3) + 1}`);
      mkdirSync(dir, { recursive: true });
      // ~300 KB each, so cuts and stalls land mid-body.
      const jpeg = makeJpeg({ seed: 1000 + i, padTo: 300_000, exif: { make: 'Canon', model: 'EOS R5', dateTimeOriginal: `2025:11:10 11:00:${String(i).padStart(2, '0')}` } });
      writeFileSync(path.join(dir, `IMG_${1000 + i}.JPG`), jpeg);
      checksums.add(createHash('sha256').update(jpeg).digest('hex'));
    }
  });

  afterAll(async () => {
    cli?.cleanup();
    rmSync(shoot, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  it('ends with all 50 registered exactly once, re-running when the CLI gives up', async () => {
    const codes: number[] = [];
    for (let run = 0; run < 6; run++) {
      const r = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json', '--retries', '3']);
      codes.push(r.code ?? -1);
      expect([0, 1], r.stderr).toContain(r.code);
      if (r.code === 0) break;
      // A failed file says why and what to do.
      for (const e of r.events.filter((x) => x.event === 'file' && x.state === 'failed')) {
        expect((e.error as { code: string }).code).toMatch(/NETWORK|STALLED|SERVER_ERROR|BAD_RESPONSE|URL_REJECTED/);
      }
    }
    expect(codes.at(-1), `exit codes per run: ${codes.join(',')}`).toBe(0);
    const faults = proxy.log.filter((e) => e.fault);
    expect(faults.length).toBeGreaterThan(10);
    expect(new Set(faults.map((f) => f.fault))).toEqual(new Set(['drop', 'stall', 'http-503', 'expire', 'html', 'truncated-json']));

    const res = await fetch(`${server.url}/api/orders/ORD-1/files`, { headers: { authorization: 'Bearer tok-alice' } });
    const { files } = (await res.json()) as FileListResponse;
    expect(files).toHaveLength(50);
    expect(new Set(files.map((f) => f.checksum))).toEqual(checksums);
    for (const f of files) {
      const local = readFileSync(path.join(shoot, f.room_type === 'livingroom' ? 'Wohnzimmer' : f.room_type === 'kitchen' ? 'Küche' : 'Bad', `g${Number(f.stack_id.slice(1))}`, f.filename));
      expect(createHash('sha256').update(local).digest('hex')).toBe(f.checksum);
    }
  }, 240_000);
});
