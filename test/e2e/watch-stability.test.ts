/**
 * Issue 11, test 1: only whole files are registered, once — for a card folder that appears while a file on
 * it is still being written, for a file already being written when `watch` starts (chokidar's initial scan
 * used to bypass the stability wait: a 2.1 MB JPEG written in 256 KB chunks was registered at 786 KB and
 * again at 2.1 MB), for a write that pauses longer than the 2 s stability time (only the container check
 * catches that one), and for a file that grows after its first upload (uploaded again with `replaces`;
 * the order ends with its whole version only). Real local server, real CLI binary, real files; the
 * stability time is the real 2 s.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv, parseNdjson } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cameraJpeg, count, listed, sha, sleep, waitForEvent, waitForRows, writeSlowly } from './_watch.js';

const CHUNK = 256 * 1024;

describe('watch: only whole files are registered, once', () => {
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    base = mkdtempSync(path.join(tmpdir(), 'piximmo-watch-stable-'));
  });
  afterAll(async () => {
    rmSync(base, { recursive: true, force: true });
    await server?.close();
  });

  async function finish(run: ReturnType<CliEnv['spawn']>) {
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.filter((e) => e.event === 'file' && e.state === 'failed'), 'no false "failed"').toEqual([]);
    return r;
  }

  it('a card folder that appears with a file still being written', async () => {
    const card = path.join(base, 'EOS_DIGITAL');
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    const run = cli.spawn(['watch', card, '--order', 'ORD-1', '--json']);
    try {
      // The card is not in yet: watch says so (once) before it appears.
      expect(await waitForEvent(() => run.output().stdout, (e) => e.event === 'card' && e.state === 'waiting'), run.output().stderr).toBe(true);
      await sleep(1000);
      const dcim = path.join(card, 'DCIM', '100CANON');
      mkdirSync(dcim, { recursive: true });
      const whole = cameraJpeg(8100, 400_000);
      writeFileSync(path.join(dcim, 'IMG_8100.JPG'), whole);
      const big = cameraJpeg(8101, 2_100_000);
      await writeSlowly(path.join(dcim, 'IMG_8101.JPG'), big, CHUNK, 700);
      expect(await waitForRows(server.url, 'ORD-1', 2), 'both files registered').toBe(true);
      await sleep(3000); // nothing more may arrive
      const rows = await listed(server.url, 'ORD-1');
      expect(rows.map((f) => [f.filename, f.bytes, f.checksum]).sort()).toEqual(
        [
          ['IMG_8100.JPG', whole.length, sha(whole)],
          ['IMG_8101.JPG', big.length, sha(big)],
        ].sort(),
      );
      const r = await finish(run);
      expect(count(r.stderr, 'Waiting for the card'), `said once that it waits for the card\n${r.stderr}`).toBe(1);
      expect(r.stderr).not.toContain('is gone');
      const registered = r.events.filter((e) => e.event === 'file' && e.state === 'registered');
      expect(registered.map((e) => e.path).sort()).toEqual(['DCIM/100CANON/IMG_8100.JPG', 'DCIM/100CANON/IMG_8101.JPG']);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      cli.cleanup();
    }
  }, 120_000);

  it('a file already being written when watch starts', async () => {
    const card = path.join(base, 'NIKON_D850');
    const dcim = path.join(card, 'DCIM', '100NIKON');
    mkdirSync(dcim, { recursive: true });
    const there = cameraJpeg(8200, 300_000);
    writeFileSync(path.join(dcim, 'DSC_8200.JPG'), there);
    const big = cameraJpeg(8201, 2_100_000);
    const writing = writeSlowly(path.join(dcim, 'DSC_8201.JPG'), big, CHUNK, 700);
    await sleep(800); // a few chunks are on the card when watch lists it
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    const run = cli.spawn(['watch', card, '--order', 'ORD-2', '--json']);
    try {
      await writing;
      expect(await waitForRows(server.url, 'ORD-2', 2), 'both files registered').toBe(true);
      await sleep(3000);
      const rows = await listed(server.url, 'ORD-2');
      expect(rows.map((f) => [f.filename, f.bytes, f.checksum]).sort()).toEqual(
        [
          ['DSC_8200.JPG', there.length, sha(there)],
          ['DSC_8201.JPG', big.length, sha(big)],
        ].sort(),
      );
      const r = await finish(run);
      expect(parseNdjson(r.stdout).filter((e) => e.event === 'file' && e.state === 'registered')).toHaveLength(2);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      cli.cleanup();
    }
  }, 120_000);

  it('a write that pauses longer than 2 s: the container check waits for the whole file, and says which file', async () => {
    const card = path.join(base, 'PAUSED');
    const dcim = path.join(card, 'DCIM', '100CANON');
    mkdirSync(dcim, { recursive: true });
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', PIXIMMO_WATCH_SLOW_MS: '3000' });
    const run = cli.spawn(['watch', card, '--order', 'ORD-2', '--json']);
    try {
      await sleep(1500);
      const big = cameraJpeg(8301, 2_100_000);
      await writeSlowly(path.join(dcim, 'IMG_8301.JPG'), big, CHUNK, 300, { bytes: 786 * 1024, ms: 5000 });
      expect(await waitForRows(server.url, 'ORD-2', 3), 'the paused file registered').toBe(true);
      await sleep(3000);
      const rows = (await listed(server.url, 'ORD-2')).filter((f) => f.filename === 'IMG_8301.JPG');
      expect(rows.map((f) => [f.bytes, f.checksum])).toEqual([[big.length, sha(big)]]);
      const r = await finish(run);
      expect(r.stderr).toMatch(/Still waiting for DCIM\/100CANON\/IMG_8301\.JPG to be complete/);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      cli.cleanup();
    }
  }, 120_000);

  it('a file that grows after its first upload: the order ends with its whole version only (replaces)', async () => {
    const card = path.join(base, 'GROWS');
    const dcim = path.join(card, 'DCIM', '100CANON');
    mkdirSync(dcim, { recursive: true });
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    const run = cli.spawn(['watch', card, '--order', 'ORD-1', '--json']);
    try {
      const before = (await listed(server.url, 'ORD-1')).length;
      // A first part that is itself a whole JPEG (a camera that rewrites the file with more data later).
      const first = cameraJpeg(8401, 500_000);
      const final = cameraJpeg(8402, 1_500_000);
      const file = path.join(dcim, 'IMG_8401.JPG');
      writeFileSync(file, first);
      expect(await waitForRows(server.url, 'ORD-1', before + 1), 'the first version registered').toBe(true);
      const firstId = (await listed(server.url, 'ORD-1')).find((f) => f.checksum === sha(first))!.file_id;
      writeFileSync(file, final);
      const end = Date.now() + 60_000;
      let rows = await listed(server.url, 'ORD-1');
      while (Date.now() < end && !rows.some((f) => f.checksum === sha(final))) {
        await sleep(300);
        rows = await listed(server.url, 'ORD-1');
      }
      await sleep(2000);
      rows = (await listed(server.url, 'ORD-1')).filter((f) => f.filename === 'IMG_8401.JPG');
      expect(rows.map((f) => [f.bytes, f.checksum])).toEqual([[final.length, sha(final)]]);
      expect((rows[0] as { replaces?: string | null }).replaces).toBe(firstId);
      await finish(run);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      cli.cleanup();
    }
  }, 120_000);
});
