/**
 * Issue 4, end to end: a shoot of real camera files with rewritten capture times and EV
 * (src/fixtures/real-shoot.ts: flat room folders, interleaved cameras, brackets 1 s apart, 3/5/7-frame
 * brackets, a clock set back, files without EXIF) uploads through the real CLI binary into the real local
 * server, and the server lists every file with the (room_type, stack_id) written down for it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileListResponse } from '../../src/contract/api.js';
import { REAL_SHOOT, writeRealShoot } from '../../src/fixtures/real-shoot.js';
import { CliEnv, samplesDir, type CliResult } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const haveSamples = existsSync(path.join(samplesDir, 'expected.json'));
if (!haveSamples) console.warn(`SKIP grouping e2e: ${samplesDir} is absent (the shared camera samples are not beside this repo)`);

describe.skipIf(!haveSamples)('bracket grouping end to end on real camera files', () => {
  let server: TestServer;
  let cli: CliEnv;
  let shoot: string;
  let run: CliResult;
  let listed: FileListResponse['files'];

  beforeAll(async () => {
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-grouping-'));
    await writeRealShoot(samplesDir, shoot);
    server = await startTestServer({ intentRate: 0 });
    cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    run = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
    const res = await fetch(`${server.url}/api/orders/ORD-1/files`, { headers: { authorization: 'Bearer tok-alice' } });
    listed = ((await res.json()) as FileListResponse).files;
  }, 60_000);

  afterAll(async () => {
    cli?.cleanup();
    await server?.close();
    if (shoot) rmSync(shoot, { recursive: true, force: true });
  });

  it('uploads every file, exit 0', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(listed.map((f) => f.filename).sort()).toEqual(REAL_SHOOT.map((f) => path.basename(f.relPath)).sort());
  });

  it('lists each file with the expected room_type and stack_id', () => {
    const got = listed.map((f) => [f.filename, f.room_type, f.stack_id]).sort();
    const want = REAL_SHOOT.map((f) => [path.basename(f.relPath), f.room_type, f.stack_id]).sort();
    expect(got).toEqual(want);
  });

  it('keeps the EXIF the grouping used: capture time and EV as rewritten', () => {
    for (const file of REAL_SHOOT.filter((f) => f.at !== undefined)) {
      const meta = listed.find((f) => f.filename === path.basename(file.relPath))!.exif_meta ?? {};
      expect(meta.captured_at, file.relPath).toBe(file.at!.replace(/^(\d{4}):(\d{2}):(\d{2}) /, '$1-$2-$3T'));
      expect(meta.ev, file.relPath).toBe(file.ev);
    }
  });

  it('gives each stack its own object keys, one version per bracket frame', () => {
    const keys = listed.map((f) => f.object_key);
    expect(new Set(keys).size).toBe(keys.length);
    const kitchen7 = listed.filter((f) => f.room_type === 'kitchen' && f.stack_id === 'g003').map((f) => f.object_key);
    expect(kitchen7).toHaveLength(7);
    for (const key of kitchen7) expect(key).toMatch(/_kitchen_g003_v[1-7]\.jpg$/);
  });
});
