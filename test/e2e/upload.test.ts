/**
 * Issue 2, tests 1 and 3: the seed's acceptance criteria and the re-run, through the real CLI binary
 * against the real local server (Miniflare).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import type { FileListResponse, SingleIntentResponse } from '../../src/contract/api.js';

async function list(server: TestServer, order: string, token = 'tok-alice'): Promise<{ status: number; files: FileListResponse['files'] }> {
  const res = await fetch(`${server.url}/api/orders/${order}/files`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as Partial<FileListResponse>;
  return { status: res.status, files: body.files ?? [] };
}

function sha256(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

describe('piximmo upload end to end', () => {
  let server: TestServer;
  let cli: CliEnv;
  let shoot: string;
  const names: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    cli = new CliEnv(server.url, 'tok-alice');
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-shoot-'));
    mkdirSync(path.join(shoot, 'Wohnzimmer', 'g1'), { recursive: true });
    for (let i = 0; i < 10; i++) {
      const name = `IMG_${String(100 + i).padStart(4, '0')}.JPG`;
      names.push(name);
      writeFileSync(
        path.join(shoot, 'Wohnzimmer', 'g1', name),
        makeJpeg({ seed: i, exif: { make: 'Canon', model: 'Canon EOS R5', iso: 100, focal: 16, exposureTime: 1 / 60, fNumber: 8, dateTimeOriginal: `2025:11:10 10:00:${String(i).padStart(2, '0')}`, ev: [-2, 0, 2][i % 3] } }),
      );
    }
  });

  afterAll(async () => {
    cli?.cleanup();
    rmSync(shoot, { recursive: true, force: true });
    await server?.close();
  });

  it('10 files in a row land, registered, in the right order and are listed within 10 s', async () => {
    const r = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const registered = r.events.filter((e) => e.event === 'file' && e.state === 'registered');
    expect(registered).toHaveLength(10);
    // SPEC states in order for each file: waiting → uploading → uploaded → registered.
    const states = r.events.filter((e) => e.event === 'file' && e.path === `Wohnzimmer/g1/${names[0]}`).map((e) => e.state);
    expect(states).toEqual(['waiting', 'uploading', 'uploaded', 'registered']);
    const summary = r.events.find((e) => e.event === 'summary')!;
    expect(summary).toMatchObject({ files: 10, registered: 10, failed: 0, server_check: { checked: true, missing: [] } });
    // Nothing but JSON on stdout.
    for (const line of r.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

    const deadline = Date.now() + 10_000;
    let files: FileListResponse['files'] = [];
    while (Date.now() < deadline) {
      files = (await list(server, 'ORD-1')).files;
      if (files.length === 10) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(files.map((f) => f.filename).sort()).toEqual([...names].sort());
    for (const f of files) {
      expect(f.room_type).toBe('livingroom');
      expect(f.stack_id).toBe('g001');
      expect(f.checksum).toBe(sha256(path.join(shoot, 'Wohnzimmer', 'g1', f.filename)));
      expect(f.object_key).toMatch(/^user\/alice\/orders\/ORD-1\/raw\/\d{4}-\d{2}-\d{2}_SH123_livingroom_g001_v\d+\.jpg$/);
      expect(f.exif_meta).toMatchObject({ make: 'Canon', model: 'Canon EOS R5', iso: 100, focal: 16, shutter: '1/60' });
    }
    expect((await list(server, 'ORD-2')).files).toHaveLength(0);
  });

  it('a re-run uploads nothing', async () => {
    const r = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const fileEvents = r.events.filter((e) => e.event === 'file');
    expect(fileEvents.every((e) => e.state === 'registered' && e.note === 'already')).toBe(true);
    expect(fileEvents).toHaveLength(10);
    expect((await list(server, 'ORD-1')).files).toHaveLength(10);
  });

  it('a fresh manifest still sends nothing twice: the server knows the content (existing_file_id)', async () => {
    const other = new CliEnv(server.url, 'tok-alice');
    try {
      const r = await other.run(['upload', shoot, '--order', 'ORD-1', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const reg = r.events.filter((e) => e.event === 'file' && e.state === 'registered');
      expect(reg.every((e) => e.note === 'duplicate')).toBe(true);
      expect(r.events.some((e) => e.event === 'file' && e.state === 'uploading')).toBe(false);
      expect((await list(server, 'ORD-1')).files).toHaveLength(10);
    } finally {
      other.cleanup();
    }
  });

  it("a wrong order gives 403 at intent, exit code 4 and a message naming the order", async () => {
    for (const order of ['ORD-9', 'ORD-DOES-NOT-EXIST']) {
      const fresh = new CliEnv(server.url, 'tok-alice');
      try {
        const r = await fresh.run(['upload', shoot, '--order', order, '--no-progress']);
        expect(r.code, r.stdout + r.stderr).toBe(4);
        expect(r.stderr).toContain(order);
      } finally {
        fresh.cleanup();
      }
    }
    const bobs = await list(server, 'ORD-9', 'tok-bob');
    expect(bobs.files).toHaveLength(0);
  });

  it('a wrong order stops after one intent request, not one per file (batch route or single intents)', async () => {
    // Regression: the files already in flight each asked again at SPEC's 3 intents/s — 10 requests, 3 s.
    const proxy = await FaultProxy.start(server.url);
    try {
      for (const batchRoute of [true, false]) {
        proxy.missingRoute = batchRoute ? undefined : (method, p) => method === 'POST' && p === '/api/uploads/intents';
        const fresh = new CliEnv(proxy.url, 'tok-alice');
        try {
          const before = proxy.log.length;
          const r = await fresh.run(['upload', shoot, '--order', 'ORD-9', '--no-progress']);
          expect(r.code, r.stdout + r.stderr).toBe(4);
          expect(r.stderr).toContain('ORD-9');
          // The summary (stdout, maybe a log file) says why on its own.
          expect(r.stdout).toContain('Order ORD-9: 10 files not sent — the order does not exist or is not yours.');
          const intents = proxy.log.slice(before).filter((e) => e.kind === 'intent' && e.status === 403);
          // The single-intent path sends the next file's request 370 ms after the first: a second 403 only
          // when the first answer took longer than that (a loaded machine).
          expect(intents.length, `batch route: ${batchRoute}`).toBeLessThanOrEqual(batchRoute ? 1 : 2);
          expect(intents.length).toBeGreaterThanOrEqual(1);
          expect(proxy.log.slice(before).filter((e) => e.kind === 'put')).toEqual([]);
        } finally {
          fresh.cleanup();
        }
      }
    } finally {
      await proxy.close();
    }
  });

  it('watch with a wrong order stops by itself: exit 4, the summary says why', async () => {
    const fresh = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', PIXIMMO_WATCH_STABLE_MS: '200' });
    try {
      const r = await fresh.run(['watch', shoot, '--order', 'ORD-9', '--no-progress']);
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(r.stderr).toContain('Order ORD-9 does not exist or is not yours.');
      expect(r.stdout).toContain('Order ORD-9: 10 files not sent — the order does not exist or is not yours.');
    } finally {
      fresh.cleanup();
    }
  });

  it('a folder with nothing to upload says so, without an empty table (en, de); exit 0', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'piximmo-empty-'));
    const fresh = new CliEnv(server.url, 'tok-alice');
    try {
      writeFileSync(path.join(empty, 'notes.txt'), 'not a photo');
      const en = await fresh.run(['upload', empty, '--order', 'ORD-1', '--no-progress']);
      expect(en.code, en.stderr).toBe(0);
      expect(en.stdout).toContain('Order ORD-1: 0 files (0 B) in');
      expect(en.stdout).toContain('Nothing to upload: no photo or video here of a type piximmo uploads.');
      expect(en.stdout).toContain('0 of 0 files registered');
      rmSync(path.join(empty, 'notes.txt'));
      const de = await fresh.run(['upload', empty, '--order', 'ORD-1', '--no-progress', '--lang', 'de']);
      expect(de.code, de.stderr).toBe(0);
      expect(de.stdout).toContain('Nichts hochzuladen');
      expect(de.stdout).not.toMatch(/^Raum /m); // no table without a row
    } finally {
      fresh.cleanup();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('an intent without finalize never appears in the order list', async () => {
    const body = readFileSync(path.join(shoot, 'Wohnzimmer', 'g1', names[0]));
    const extra = Buffer.concat([body, Buffer.from('not-finalized')]);
    const checksum = createHash('sha256').update(extra).digest('hex');
    const res = await fetch(`${server.url}/api/uploads/intent`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-alice', 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'orphan.jpg', mime: 'image/jpeg', order_id: 'ORD-1', room_type: 'kitchen', stack_id: 'g009', bytes: extra.length, checksum }),
    });
    expect(res.status).toBe(200);
    const intent = (await res.json()) as SingleIntentResponse;
    const put = await fetch(intent.signed_url, { method: 'PUT', headers: intent.headers, body: extra });
    expect(put.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const files = (await list(server, 'ORD-1')).files;
    expect(files.some((f) => f.object_key === intent.object_key)).toBe(false);
    expect(files).toHaveLength(10);
  });

  it("a second user can neither see nor finalize the first user's keys", async () => {
    const alice = (await list(server, 'ORD-1')).files[0];
    expect((await list(server, 'ORD-1', 'tok-bob')).status).toBe(403);
    const res = await fetch(`${server.url}/api/uploads/finalize`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-bob', 'content-type': 'application/json' },
      body: JSON.stringify({ object_key: alice.object_key, bytes: alice.bytes, checksum: alice.checksum }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('KEY_FORBIDDEN');
  });

  it('without a token: exit 3 and the login hint', async () => {
    const anon = new CliEnv(server.url);
    try {
      const r = await anon.run(['upload', shoot, '--order', 'ORD-1']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('piximmo login');
      const bad = await anon.run(['upload', shoot, '--order', 'ORD-1', '--token', 'tok-nobody']);
      expect(bad.code).toBe(3);
      expect(bad.stderr).toContain('piximmo login');
    } finally {
      anon.cleanup();
    }
  });

  it('--dry-run prints the plan and sends nothing', async () => {
    const fresh = new CliEnv(server.url, 'tok-alice');
    try {
      const r = await fresh.run(['upload', shoot, '--order', 'ORD-2', '--dry-run']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Wohnzimmer/g1/${names[0]}  →  livingroom  g001`);
      expect(r.stdout).toContain('Dry run: nothing was sent.');
      expect((await list(server, 'ORD-2')).files).toHaveLength(0);
    } finally {
      fresh.cleanup();
    }
  });

  it('usage errors exit 2', async () => {
    expect((await cli.run(['upload', shoot])).code).toBe(2); // --order missing
    expect((await cli.run(['upload', path.join(shoot, 'nope'), '--order', 'ORD-1'])).code).toBe(2);
    expect((await cli.run(['upload', shoot, '--order', 'ORD-1', '--types', 'jpg,bogus'])).code).toBe(2);
    const bw = await cli.run(['upload', shoot, '--order', 'ORD-1', '--bwlimit', 'fast']);
    expect(bw.code).toBe(2);
    expect(bw.stderr).toContain('--bwlimit must be a rate');
  });
});
