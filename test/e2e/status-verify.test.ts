/**
 * `piximmo status` (per room, from the manifest) and `piximmo verify` (local checksums against the
 * order's file list), through the real CLI binary against the real local server.
 *
 * The shoot: livingroom g1 (3 JPEGs) and kitchen g1 (2 JPEGs, one above the server's size limit of this
 * test server → FILE_TOO_LARGE, failed). Then: status; verify clean; a local file changed → mismatched;
 * a new local file → missing; a file uploaded from another folder into the same order → extra.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { manifestPathFor } from '../../src/core/transfer/manifest.js';

const LIMIT = 60_000;

function jpeg(seed: number, padTo?: number): Buffer {
  return makeJpeg({ seed, padTo, exif: { make: 'Canon', model: 'Canon EOS R5', iso: 100, dateTimeOriginal: `2025:11:10 10:00:${String(seed % 60).padStart(2, '0')}` } });
}

describe('status and verify', () => {
  let server: TestServer;
  let cli: CliEnv;
  let shoot: string;
  let other: string;

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0, maxBytes: LIMIT });
    cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-status-'));
    other = mkdtempSync(path.join(tmpdir(), 'piximmo-other-'));
    mkdirSync(path.join(shoot, 'Wohnzimmer', 'g1'), { recursive: true });
    mkdirSync(path.join(shoot, 'Küche', 'g1'), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(path.join(shoot, 'Wohnzimmer', 'g1', `IMG_${100 + i}.JPG`), jpeg(i));
    writeFileSync(path.join(shoot, 'Küche', 'g1', 'IMG_200.JPG'), jpeg(20));
    writeFileSync(path.join(shoot, 'Küche', 'g1', 'IMG_201.JPG'), jpeg(21, LIMIT + 40_000));
  });

  afterAll(async () => {
    cli?.cleanup();
    rmSync(shoot, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
    await server?.close();
  });

  it('before any upload: status says nothing was uploaded from this folder into this order, exit 0', async () => {
    const r = await cli.run(['status', shoot, '--order', 'ORD-1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Nothing has been uploaded yet from .* into order ORD-1/);
    const j = await cli.run(['status', shoot, '--order', 'ORD-1', '--json']);
    expect(j.events).toEqual([expect.objectContaining({ v: 1, event: 'status', found: false, files: 0 })]);
    const missing = await cli.run(['status', path.join(shoot, 'nope'), '--order', 'ORD-1']);
    expect(missing.code).toBe(2);
  });

  it('upload with one file over the limit → status shows registered / failed per room with the error code', async () => {
    const up = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
    expect(up.code, up.stderr).toBe(1);

    const r = await cli.run(['status', shoot, '--order', 'ORD-1']);
    expect(r.code, r.stderr).toBe(0);
    const row = (room: string): string[] => r.stdout.split('\n').find((l) => l.startsWith(`${room} `))!.trim().split(/\s+/);
    expect(row('livingroom').slice(0, 4)).toEqual(['livingroom', '3', '0', '0']);
    expect(row('kitchen').slice(0, 4)).toEqual(['kitchen', '1', '0', '1']);
    expect(r.stdout).toContain('4 of 5 files registered, 0 pending, 1 failed');
    expect(r.stdout).toMatch(/Küche\/g1\/IMG_201\.JPG: FILE_TOO_LARGE/);

    const j = await cli.run(['status', shoot, '--order', 'ORD-1', '--json']);
    expect(j.code).toBe(0);
    const rooms = j.events.filter((e) => e.event === 'status_room');
    expect(rooms).toEqual([
      expect.objectContaining({ v: 1, room_type: 'kitchen', registered: 1, pending: 0, failed: 1, failures: [expect.objectContaining({ path: 'Küche/g1/IMG_201.JPG', code: 'FILE_TOO_LARGE' })] }),
      expect.objectContaining({ v: 1, room_type: 'livingroom', registered: 3, pending: 0, failed: 0, failures: [] }),
    ]);
    expect(j.events.at(-1)).toMatchObject({ event: 'status', found: true, files: 5, registered: 4, failed: 1, pending: 0 });
    // --json: nothing but JSON on stdout.
    for (const line of j.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

    const de = await cli.run(['--lang', 'de', 'status', shoot, '--order', 'ORD-1']);
    expect(de.stdout).toContain('4 von 5 Dateien registriert, 0 ausstehend, 1 fehlgeschlagen');
  });

  it('status needs no lock and no network: it reads while another run holds the lock, with the server unreachable', async () => {
    const file = manifestPathFor(realpathSync(shoot), 'ORD-1', path.join(cli.home, 'state'));
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), started_at: new Date().toISOString() }));
    try {
      const r = await cli.run(['status', shoot, '--order', 'ORD-1', '--json'], { env: { PIXIMMO_API_URL: 'http://127.0.0.1:9' } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events.at(-1)).toMatchObject({ event: 'status', registered: 4, manifest: file });
      const viaFlag = await cli.run(['status', shoot, '--order', 'ORD-1', '--manifest', file, '--json']);
      expect(viaFlag.events.at(-1)).toMatchObject({ event: 'status', registered: 4 });
    } finally {
      rmSync(`${file}.lock`, { force: true });
    }
    const wrongOrder = await cli.run(['status', shoot, '--order', 'ORD-2', '--manifest', file]);
    expect(wrongOrder.code).toBe(2);
    expect(wrongOrder.stderr).toContain('ORD-1');
  });

  it('verify: a file the server refused is missing (exit 1); without it the folder is clean (exit 0), checksums reused', async () => {
    const r = await cli.run(['verify', shoot, '--order', 'ORD-1', '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.events.filter((e) => e.event === 'verify_file')).toEqual([expect.objectContaining({ kind: 'missing', path: 'Küche/g1/IMG_201.JPG' })]);

    rmSync(path.join(shoot, 'Küche', 'g1', 'IMG_201.JPG'));
    const clean = await cli.run(['verify', shoot, '--order', 'ORD-1', '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.events.at(-1)).toMatchObject({ event: 'verify', local_files: 4, server_files: 4, missing: 0, mismatched: 0, extra: 0, ok: true, hashed: 0, reused: 4 });
    const text = await cli.run(['verify', shoot, '--order', 'ORD-1']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('All 4 local files are in order ORD-1 with the same content.');
  });

  it('verify: changed → mismatched, new → missing, uploaded from elsewhere → extra', async () => {
    writeFileSync(path.join(shoot, 'Wohnzimmer', 'g1', 'IMG_101.JPG'), jpeg(51)); // changed since its upload
    writeFileSync(path.join(shoot, 'Wohnzimmer', 'g1', 'IMG_103.JPG'), jpeg(53)); // never uploaded
    mkdirSync(path.join(other, 'Bad'));
    writeFileSync(path.join(other, 'Bad', 'DSC_0001.JPG'), jpeg(77));
    const up = await cli.run(['upload', other, '--order', 'ORD-1', '--json']);
    expect(up.code, up.stderr).toBe(0);

    const r = await cli.run(['verify', shoot, '--order', 'ORD-1', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const found = r.events.filter((e) => e.event === 'verify_file').map((e) => [e.kind, e.path ?? e.filename]);
    expect(found).toEqual([
      ['missing', 'Wohnzimmer/g1/IMG_103.JPG'],
      ['mismatched', 'Wohnzimmer/g1/IMG_101.JPG'],
      ['extra', 'DSC_0001.JPG'],
    ]);
    expect(r.events.at(-1)).toMatchObject({ event: 'verify', local_files: 5, server_files: 5, missing: 1, mismatched: 1, extra: 1, ok: false, hashed: 2, reused: 3 });

    const text = await cli.run(['verify', shoot, '--order', 'ORD-1']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('missing on the server: Wohnzimmer/g1/IMG_103.JPG');
    expect(text.stdout).toContain('different on the server: Wohnzimmer/g1/IMG_101.JPG');
    expect(text.stdout).toMatch(/only on the server: DSC_0001\.JPG \(bathroom, /);
    expect(text.stdout).toContain('1 missing, 1 different, 1 only on the server');

    // The other folder: its one file is there; the shoot's files are extra for it, which is no failure.
    const o = await cli.run(['verify', other, '--order', 'ORD-1', '--json']);
    expect(o.code, o.stderr).toBe(0);
    expect(o.events.at(-1)).toMatchObject({ missing: 0, mismatched: 0, extra: 4, ok: true });
  });

  it('verify: no login → exit 3, a foreign order → exit 4 naming it, a bad --types → exit 2', async () => {
    const anon = new CliEnv(server.url);
    try {
      expect((await anon.run(['verify', shoot, '--order', 'ORD-1'])).code).toBe(3);
    } finally {
      anon.cleanup();
    }
    expect((await cli.run(['verify', shoot, '--order', 'ORD-1'], { env: { PIXIMMO_TOKEN: 'tok-wrong' } })).code).toBe(3);
    const foreign = await cli.run(['verify', shoot, '--order', 'ORD-9']);
    expect(foreign.code).toBe(4);
    expect(foreign.stderr).toContain('ORD-9');
    expect((await cli.run(['verify', shoot, '--order', 'ORD-1', '--types', 'docx'])).code).toBe(2);
  });
});
