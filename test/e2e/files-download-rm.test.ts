/**
 * Issue 12 end to end, the file commands of the real CLI against the real local server:
 * - `piximmo files --order X` shows each file's status and preview availability, takes `--status` and
 *   `--room` (a folder name as the photographer writes it), --json has the server's fields;
 * - `piximmo download ID… -o DIR` writes exactly the uploaded bytes (SHA-256) under the original names,
 *   never overwrites without `--force`, says FILE_NOT_FOUND for an unknown id (exit 1);
 * - `piximmo rm ID…` refuses without a terminal unless `--yes` (exit 2, nothing deleted); with `--yes`
 *   the file is gone from the list and its download is 404.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('files, download, rm', () => {
  let server: TestServer;
  let cli: CliEnv;
  let shoot: string;
  let out: string;
  /** original filename → bytes */
  const originals = new Map<string, Buffer>();
  /** filename → file_id */
  const ids = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer({ intentRate: 0 });
    cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    shoot = mkdtempSync(path.join(tmpdir(), 'piximmo-dl-'));
    out = mkdtempSync(path.join(tmpdir(), 'piximmo-dl-out-'));
    for (let i = 0; i < 4; i++) {
      const dir = path.join(shoot, i < 2 ? 'Küche' : 'Wohnzimmer', 'g1');
      mkdirSync(dir, { recursive: true });
      const jpeg = makeJpeg({ seed: 700 + i, padTo: 150_000 + i, exif: { make: 'Canon', model: 'EOS R5', dateTimeOriginal: `2025:11:10 11:00:0${i}` } });
      const name = `IMG_${700 + i}.JPG`;
      writeFileSync(path.join(dir, name), jpeg);
      originals.set(name, jpeg);
    }
    const r = await cli.run(['upload', shoot, '--order', 'ORD-1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const listed = await cli.run(['files', '--order', 'ORD-1', '--json']);
    for (const e of listed.events) ids.set(e.filename as string, e.file_id as string);
    expect(ids.size).toBe(4);
    // The processing queue makes previews after finalize; once it is done, states are pinned in D1 so both
    // kinds of row are seen: IMG_700 ready with previews, the others registered and waiting for processing.
    const db = await server.mf.getD1Database('DB');
    const settled = async () =>
      (await db.prepare(`SELECT COUNT(*) AS n FROM files WHERE order_id = 'ORD-1' AND status IN ('uploaded', 'processing')`).first<{ n: number }>())?.n === 0;
    for (let i = 0; i < 300 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 100));
    await db.prepare(`UPDATE files SET status = 'uploaded', previews = '[]' WHERE order_id = 'ORD-1'`).run();
    await db.prepare(`UPDATE files SET status = 'ready', previews = '["small","medium","large","original"]' WHERE id = ?1`).bind(ids.get('IMG_700.JPG')).run();
  });
  afterAll(async () => {
    cli?.cleanup();
    rmSync(shoot, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
    await server?.close();
  });

  it('files shows status and previews; --status and --room filter; --json has the fields', async () => {
    const r = await cli.run(['files', '--order', 'ORD-1']);
    expect(r.code).toBe(0);
    const line700 = r.stdout.split('\n').find((l) => l.includes('IMG_700.JPG'))!;
    expect(line700).toMatch(/kitchen\s+g001\s+ready\s+yes/);
    const line702 = r.stdout.split('\n').find((l) => l.includes('IMG_702.JPG'))!;
    expect(line702).toMatch(/livingroom\s+g001\s+registered\s+pending/);
    expect(line702).toContain(ids.get('IMG_702.JPG'));
    const de = await cli.run(['files', '--order', 'ORD-1', '--lang', 'de']);
    expect(de.stdout.split('\n').find((l) => l.includes('IMG_700.JPG'))).toMatch(/bereit\s+ja/);
    expect(de.stdout.split('\n').find((l) => l.includes('IMG_702.JPG'))).toMatch(/registriert\s+folgt/);

    const ready = await cli.run(['files', '--order', 'ORD-1', '--status', 'ready', '--json']);
    expect(ready.events.map((e) => e.filename)).toEqual(['IMG_700.JPG']);
    expect(ready.events[0]).toMatchObject({ event: 'server_file', status: 'ready', previews: ['small', 'medium', 'large', 'original'] });
    const kitchen = await cli.run(['files', '--order', 'ORD-1', '--room', 'Küche', '--json']);
    expect(kitchen.events.map((e) => e.filename).sort()).toEqual(['IMG_700.JPG', 'IMG_701.JPG']);
    const bad = await cli.run(['files', '--order', 'ORD-1', '--status', 'gone']);
    expect(bad.code).toBe(2);
  });

  it('download writes exactly the uploaded bytes under the original names; never overwrites without --force', async () => {
    const want = ['IMG_700.JPG', 'IMG_703.JPG'];
    const r = await cli.run(['download', ...want.map((n) => ids.get(n)!), '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    for (const n of want) expect(sha(readFileSync(path.join(out, n)))).toBe(sha(originals.get(n)!));
    expect(r.stdout).toContain('2 of 2 files downloaded');

    writeFileSync(path.join(out, 'IMG_700.JPG'), 'mine, keep me');
    const again = await cli.run(['download', ids.get('IMG_700.JPG')!, '-o', out, '--json']);
    expect(again.code).toBe(1);
    expect(again.events[0]).toMatchObject({ event: 'download', state: 'failed', error: { code: 'FILE_EXISTS' } });
    expect(readFileSync(path.join(out, 'IMG_700.JPG'), 'utf8')).toBe('mine, keep me');
    const forced = await cli.run(['download', ids.get('IMG_700.JPG')!, '-o', out, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(forced.events[0]).toMatchObject({ state: 'downloaded', sha256: sha(originals.get('IMG_700.JPG')!) });
    expect(sha(readFileSync(path.join(out, 'IMG_700.JPG')))).toBe(sha(originals.get('IMG_700.JPG')!));

    const unknown = await cli.run(['download', 'f_nope', '-o', out]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no such file on the server');
    const bob = new CliEnv(server.url, 'tok-bob');
    try {
      const foreign = await bob.run(['download', ids.get('IMG_701.JPG')!, '-o', out, '--json']);
      expect(foreign.events[0]).toMatchObject({ state: 'failed', error: { code: 'FILE_NOT_FOUND' } });
    } finally {
      bob.cleanup();
    }
  });

  it('rm needs --yes without a terminal; with it the file is gone from the list and cannot be downloaded', async () => {
    const id = ids.get('IMG_701.JPG')!;
    const refused = await cli.run(['rm', id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await cli.run(['files', '--order', 'ORD-1', '--json'])).events).toHaveLength(4);

    const r = await cli.run(['rm', id, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]).toMatchObject({ event: 'rm', file_id: id, state: 'deleted' });
    const left = (await cli.run(['files', '--order', 'ORD-1', '--json'])).events.map((e) => e.file_id);
    expect(left).toHaveLength(3);
    expect(left).not.toContain(id);
    const deleted = await cli.run(['files', '--order', 'ORD-1', '--status', 'deleted']);
    expect(deleted.stdout).toMatch(/IMG_701\.JPG/);
    expect(deleted.stdout).toMatch(/deleted/);
    const dl = await cli.run(['download', id, '-o', out, '--json']);
    expect(dl.events[0]).toMatchObject({ state: 'failed', error: { code: 'FILE_NOT_FOUND' } });
    const de = await cli.run(['rm', 'f_nope', '--yes', '--lang', 'de']);
    expect(de.code).toBe(1);
    expect(de.stderr).toContain('Diese Datei gibt es auf dem Server nicht');
  });
});
