/**
 * Issue 15, "The manifest journal: kill -9 at random points of a 2,000-file run loses no registered file and
 * resumes with nothing sent twice". The real CLI uploads 2,000 small files through a logging proxy to the
 * real local server; it is killed with SIGKILL at three random moments in three successive runs, then a
 * fourth run completes. After every kill, each file the manifest (snapshot + journal) calls registered is on
 * the server; every resumed run sends (`uploading`, and PUTs at the proxy) only files the server did not list
 * when it started; at the end the order lists all 2,000 files exactly once, with their checksums.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv, parseNdjson, waitFor } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { writeManyFiles } from '../../src/fixtures/shoot.js';
import type { FileListResponse } from '../../src/contract/api.js';
import { ManifestStore } from '../../src/core/transfer/manifest.js';

const FILES = 2000;
const ORDER = 'ORD-J1';
const KILLS = 3;

describe('kill -9 at random points of a 2,000-file run', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let cli: CliEnv;
  let shoot: string;
  const checksums = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer({
      intentRate: 0,
      seed: { users: [{ id: 'alice', name: 'Alice', device_token: 'tok-alice', orders: [{ id: ORDER, shootcode: 'SHJ1' }] }] },
    });
    proxy = await FaultProxy.start(server.url);
    cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-kill-many-'));
    // One folder, so every file name is unique in the order's list; 1 s apart in EXIF (brackets of three).
    for (const rel of await writeManyFiles(shoot, { count: FILES, bytesEach: 3000, folder: 'Wohnzimmer', seed: 15 })) {
      checksums.set(path.basename(rel), createHash('sha256').update(readFileSync(path.join(shoot, rel))).digest('hex'));
    }
  }, 300_000);

  afterAll(async () => {
    cli?.cleanup();
    if (shoot) rmSync(shoot, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  async function listed(): Promise<FileListResponse['files']> {
    const out: FileListResponse['files'] = [];
    let cursor: string | null = null;
    do {
      const res = await fetch(`${server.url}/api/orders/${ORDER}/files?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
        headers: { authorization: 'Bearer tok-alice' },
      });
      const page = (await res.json()) as FileListResponse;
      out.push(...page.files);
      cursor = page.next_cursor ?? null;
    } while (cursor);
    return out;
  }

  /** The manifest as a re-run loads it (snapshot + journal). */
  async function manifestRegistered(): Promise<string[]> {
    const dir = path.join(cli.env.PIXIMMO_STATE_DIR!, 'manifests');
    const file = readdirSync(dir).find((n) => n.endsWith('.json'));
    if (!file) return [];
    const data = await ManifestStore.read(path.join(dir, file));
    return Object.entries(data?.files ?? {})
      .filter(([, e]) => e.state === 'registered')
      .map(([rel]) => path.basename(rel));
  }

  /** What a run sent: the files it announced as `uploading` (name → object keys) and the PUTs the proxy saw. */
  function sent(stdout: string, fromLog: number): { names: Set<string>; keys: Set<string>; puts: string[] } {
    const uploading = parseNdjson(stdout).filter((e) => e.event === 'file' && e.state === 'uploading');
    const puts = proxy.log.slice(fromLog).filter((e) => e.kind === 'put' && e.status >= 200 && e.status < 300).map((e) => e.objectKey ?? '?');
    return { names: new Set(uploading.map((e) => path.basename(String(e.path)))), keys: new Set(uploading.map((e) => String(e.object_key))), puts };
  }

  it('three kills, then a run that completes: nothing lost, nothing sent twice', async () => {
    // Random kill moments, reported in the assertion messages so a failure can be replayed.
    const killAfter = Array.from({ length: KILLS }, () => 100 + Math.floor(Math.random() * 400));
    let before = new Set<string>();
    for (let k = 0; k <= KILLS; k++) {
      const fromLog = proxy.log.length;
      const label = `run ${k + 1} (kills after ${killAfter.join(', ')} registered)`;
      const run = cli.spawn(['upload', shoot, '--order', ORDER, '--json', '--concurrency', '4']);
      if (k < KILLS) {
        const registeredNow = () => parseNdjson(run.output().stdout).filter((e) => e.event === 'file' && e.state === 'registered' && e.note !== 'already').length;
        await waitFor(() => registeredNow() >= killAfter[k] || run.child.exitCode !== null, 600_000);
        run.child.kill('SIGKILL');
      }
      const result = await run.done;
      if (k === KILLS) expect(result.code, `${label}: ${result.stderr.slice(-2000)}`).toBe(0);
      else expect(result.signal === 'SIGKILL' || result.code === 0, `${label}: signal ${result.signal}, exit ${result.code}`).toBe(true);

      // Nothing sent twice: this run sent only files the server did not list when it started, and every PUT
      // the proxy saw belongs to a file the run announced as uploading.
      const s = sent(result.stdout, fromLog);
      const again = [...s.names].filter((n) => before.has(n));
      expect(again, `${label}: registered before, sent again`).toEqual([]);
      expect(s.puts.filter((key) => !s.keys.has(key)), `${label}: PUTs of files not announced`).toEqual([]);

      // Nothing lost: whatever the manifest calls registered after the kill is on the server.
      const onServer = new Set((await listed()).map((f) => f.filename));
      const missing = (await manifestRegistered()).filter((n) => !onServer.has(n));
      expect(missing, `${label}: registered in the manifest, not on the server`).toEqual([]);
      expect(onServer.size, label).toBeGreaterThanOrEqual(before.size);
      before = onServer;
    }

    const files = await listed();
    expect(files).toHaveLength(FILES);
    expect(new Set(files.map((f) => f.filename)).size).toBe(FILES);
    for (const f of files) expect(f.checksum, f.filename).toBe(checksums.get(f.filename));
  }, 1_500_000);
});
