/**
 * Issue 3, test 2: `kill -9` of the CLI at random points in 5 runs of a shoot with one 180 MB video
 * (multipart: parts of 16 MiB). Each re-run completes the set exactly once, and the proxy's log shows
 * that the video's parts recorded as finished before the kill were not sent again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv, parseNdjson, waitFor } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import type { FileListResponse } from '../../src/contract/api.js';
import { ManifestStore, type ManifestEntry } from '../../src/core/transfer/manifest.js';

const VIDEO_BYTES = 180_000_000;
const ORDERS = ['ORD-K1', 'ORD-K2', 'ORD-K3', 'ORD-K4', 'ORD-K5'];
/** Runs whose kill left finished parts in the manifest (resume really exercised). */
let resumedRuns = 0;

async function writeVideo(file: string): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  const block = randomBytes(1 << 20);
  block.write('\0\0\0\x18ftypisom\0\0\x02\0isomiso2', 0, 'latin1');
  // An (empty) moov, then one mdat box over the rest: the container must be whole (SPEC v2: truncated
  // files are never uploaded — boxes add up to the file size, a movie has a moov).
  block.writeUInt32BE(8, 24);
  block.write('moov', 28, 'latin1');
  block.writeUInt32BE(VIDEO_BYTES - 32, 32);
  block.write('mdat', 36, 'latin1');
  let left = VIDEO_BYTES;
  let i = 0;
  while (left > 0) {
    const chunk = Buffer.from(block.subarray(0, Math.min(block.length, left)));
    if (i > 0) chunk.writeUInt32BE(i, 64); // every MiB differs
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    left -= chunk.length;
    i++;
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  return hash.digest('hex');
}

describe('kill -9 at random points, then a re-run', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let cli: CliEnv;
  let shoot: string;
  const checksums = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer({
      intentRate: 0,
      seed: { users: [{ id: 'alice', name: 'Alice', device_token: 'tok-alice', orders: ORDERS.map((id, i) => ({ id, shootcode: `SHK${i + 1}` })) }] },
    });
    proxy = await FaultProxy.start(server.url);
    cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-kill-'));
    mkdirSync(path.join(shoot, 'Wohnzimmer'), { recursive: true });
    mkdirSync(path.join(shoot, 'Video'), { recursive: true });
    checksums.set('WALKTHROUGH.MP4', await writeVideo(path.join(shoot, 'Video', 'WALKTHROUGH.MP4')));
    for (let i = 0; i < 6; i++) {
      const jpeg = makeJpeg({ seed: 500 + i, padTo: 2_000_000 });
      writeFileSync(path.join(shoot, 'Wohnzimmer', `IMG_${500 + i}.JPG`), jpeg);
      checksums.set(`IMG_${500 + i}.JPG`, createHash('sha256').update(jpeg).digest('hex'));
    }
  }, 120_000);

  afterAll(async () => {
    cli?.cleanup();
    rmSync(shoot, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  /** The video's entry as a re-run would load it: the snapshot plus its journal (manifest-journal.ts). */
  async function videoEntry(order: string): Promise<ManifestEntry | undefined> {
    const dir = path.join(cli.env.PIXIMMO_STATE_DIR!, 'manifests');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const m = await ManifestStore.read(path.join(dir, f));
      if (m?.order_id === order) return m.files['Video/WALKTHROUGH.MP4'];
    }
    return undefined;
  }

  it.each(ORDERS.map((o, i) => [o, i] as const))('run %s: killed, re-run completes exactly once without resending finished parts', async (order, i) => {
    const run = cli.spawn(['upload', shoot, '--order', order, '--json', '--concurrency', '3']);
    // Random points: from "video barely started" to "most parts done" (deterministic per run).
    const targetBytes = [5, 40, 80, 120, 150][i] * 1_000_000;
    await waitFor(() => {
      const ev = parseNdjson(run.output().stdout).filter((e) => e.event === 'progress');
      return ev.length > 0 && Number(ev.at(-1)!.bytes_sent) >= targetBytes;
    }, 30_000);
    await waitFor(() => proxy.completedPutBytes() > 0, 5_000);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    // On a fast machine the last files can finish between the check above and the signal: then the run
    // ended by itself (exit 0) and the re-run below must simply send nothing more.
    expect(killed.signal === 'SIGKILL' || killed.code === 0, `signal ${killed.signal}, exit ${killed.code}`).toBe(true);

    const entry = await videoEntry(order);
    const recorded = entry?.multipart;
    const finishedBefore = new Set(Object.keys(recorded?.etags ?? {}).map(Number));
    // From 80 MB sent on, parts of the video are surely finished — unless the whole video already
    // registered before the kill (the multipart record is then cleared): either way not nothing.
    if (i >= 2) expect(finishedBefore.size > 0 || entry?.state === 'registered', 'parts recorded before the kill').toBe(true);
    if (finishedBefore.size > 0) resumedRuns++;
    const from = proxy.log.length;

    const again = await cli.run(['upload', shoot, '--order', order, '--json']);
    expect(again.code, again.stderr).toBe(0);

    const res = await fetch(`${server.url}/api/orders/${order}/files`, { headers: { authorization: 'Bearer tok-alice' } });
    const { files } = (await res.json()) as FileListResponse;
    expect(files.map((f) => f.filename).sort()).toEqual([...checksums.keys()].sort());
    for (const f of files) expect(f.checksum, f.filename).toBe(checksums.get(f.filename));
    if (killed.code === 0) {
      // The run had finished by itself: the re-run finds everything registered and sends no byte.
      expect(proxy.log.slice(from).filter((e) => e.kind === 'put')).toEqual([]);
    }

    if (recorded) {
      const resent = proxy.log
        .slice(from)
        .filter((e) => e.kind === 'put' && e.objectKey === recorded.object_key && e.part !== undefined && finishedBefore.has(e.part));
      expect(resent, `parts finished before the kill: ${[...finishedBefore].join(',')}`).toEqual([]);
      const sentAfter = proxy.log.slice(from).filter((e) => e.kind === 'put' && e.objectKey === recorded.object_key && e.status === 200);
      const partsTotal = Math.ceil(VIDEO_BYTES / recorded.part_size);
      expect(sentAfter.length).toBe(partsTotal - finishedBefore.size);
    }
  }, 90_000);

  it('at least two of the five kills left a multipart upload to resume', () => {
    expect(resumedRuns).toBeGreaterThanOrEqual(2);
  });
});
