/**
 * Issue 10, end to end (real local server, real CLI binary): an unwritable state folder is exit 2 with a
 * sentence, not a stack trace; a manifest whose `files` has the wrong shape is moved aside and rebuilt;
 * `verify --rehash` finds a same-size bit flip with the mtime restored (plain `verify` trusts the manifest);
 * `batch` reads a CSV written by German Excel (BOM, `;`, CRLF) and exits 2 like `upload` when a folder is
 * missing, sending nothing.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileListResponse } from '../../src/contract/api.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const isRoot = process.getuid?.() === 0;

describe('safety: state, verify, batch', () => {
  let server: TestServer;
  const dirs: string[] = [];
  const orders = ['T1', 'T2', 'T3', 'T4', 'T5'];

  function shoot(files = 3, seed = 0): string {
    const d = mkdtempSync(path.join(tmpdir(), 'piximmo-state-'));
    dirs.push(d);
    for (let i = 0; i < files; i++) writeFileSync(path.join(d, `IMG_${i}.JPG`), makeJpeg({ seed: seed + i }));
    return d;
  }
  async function count(order: string): Promise<number> {
    const res = await fetch(`${server.url}/api/orders/${order}/files`, { headers: { authorization: 'Bearer tok-alice' } });
    return ((await res.json()) as FileListResponse).files.length;
  }

  beforeAll(async () => {
    server = await startTestServer({
      intentRate: 0,
      seed: { users: [{ id: 'alice', name: 'Alice', device_token: 'tok-alice', orders: orders.map((id) => ({ id, shootcode: `SH${id}` })) }] },
    });
  });
  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await server?.close();
  });

  it('an unwritable state folder is exit 2 with a sentence, not a stack trace (en, de)', async () => {
    const dir = shoot(1, 100);
    const blocker = path.join(dirs[dirs.length - 1], 'IMG_0.JPG'); // a file where the state folder should be
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_STATE_DIR: path.join(blocker, 'state') });
    try {
      const r = await cli.run(['upload', dir, '--order', 'T1', '--no-progress']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('cannot be written (ENOTDIR)');
      expect(r.stderr).toContain('PIXIMMO_STATE_DIR');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const de = await cli.run(['upload', dir, '--order', 'T1', '--no-progress', '--lang', 'de']);
      expect(de.code).toBe(2);
      expect(de.stderr).toContain('kann nicht geschrieben werden (ENOTDIR)');
      const json = await cli.run(['upload', dir, '--order', 'T1', '--json']);
      expect(json.events.find((e) => e.event === 'error')).toMatchObject({ code: 'STATE_UNWRITABLE' });
      expect(await count('T1')).toBe(0);
    } finally {
      cli.cleanup();
    }
  });

  it.skipIf(!isRoot)('a state folder without write permission (as another user) is exit 2 too', async () => {
    const dir = shoot(1, 110);
    const cli = new CliEnv(server.url, 'tok-alice');
    chownSync(cli.home, 65534, 65534);
    mkdirSync(path.join(cli.home, 'state'), { mode: 0o555 }); // root's, not writable by nobody
    try {
      const r = await cli.run(['upload', dir, '--order', 'T1', '--no-progress'], { prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('cannot be written (EACCES)');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      cli.cleanup();
    }
  });

  it('a manifest whose files have the wrong shape is moved aside and rebuilt; nothing is sent twice', async () => {
    const dir = shoot(3, 120);
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      expect((await cli.run(['upload', dir, '--order', 'T2', '--no-progress'])).code).toBe(0);
      const manifests = path.join(cli.home, 'state', 'manifests');
      const file = path.join(manifests, readdirSync(manifests).find((n) => n.endsWith('.json'))!);
      const data = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...data, files: Object.keys(data.files) })); // an array, not a map
      const r = await cli.run(['upload', dir, '--order', 'T2', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.events.find((e) => e.event === 'warning' && e.code === 'MANIFEST_REBUILT')).toBeDefined();
      expect(r.events.filter((e) => e.event === 'file' && e.state === 'uploading')).toHaveLength(0);
      expect(readdirSync(manifests).some((n) => n.includes('.corrupt-'))).toBe(true);
      expect(await count('T2')).toBe(3);
    } finally {
      cli.cleanup();
    }
  });

  it('verify --rehash reports a same-size bit flip with the mtime restored; plain verify trusts the manifest', async () => {
    const dir = shoot(3, 130);
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      expect((await cli.run(['upload', dir, '--order', 'T3', '--no-progress'])).code).toBe(0);
      const victim = path.join(dir, 'IMG_1.JPG');
      const ref = path.join(tmpdir(), `piximmo-ref-${process.pid}`);
      execFileSync('cp', ['-p', victim, ref]); // keeps the mtime to the nanosecond
      const bytes = readFileSync(victim);
      bytes[Math.floor(bytes.length / 2)] ^= 0x01; // one bit, same size
      writeFileSync(victim, bytes);
      execFileSync('touch', ['-r', ref, victim]); // mtime restored exactly
      rmSync(ref);
      expect(statSync(victim).size).toBe(bytes.length);
      const trusting = await cli.run(['verify', dir, '--order', 'T3', '--json']);
      expect(trusting.code).toBe(0);
      const r = await cli.run(['verify', dir, '--order', 'T3', '--rehash', '--json']);
      expect(r.code).toBe(1);
      expect(r.events.filter((e) => e.event === 'verify_file').map((e) => [e.kind, e.path])).toEqual([['mismatched', 'IMG_1.JPG']]);
      expect(r.events.find((e) => e.event === 'verify')).toMatchObject({ hashed: 3, reused: 0, rehash: true, mismatched: 1 });
      const text = await cli.run(['verify', dir, '--order', 'T3', '--rehash']);
      expect(text.stdout).toContain('different on the server: IMG_1.JPG');
      expect(text.stdout).toContain('All 3 checksums computed from the files (--rehash).');
    } finally {
      cli.cleanup();
    }
  });

  it('batch: a CSV written by German Excel (BOM, ";", CRLF) works; a missing folder is exit 2 and nothing is sent', async () => {
    const a = shoot(2, 140);
    const b = shoot(2, 150);
    const base = path.dirname(a);
    const csv = path.join(a, '..', `batch-${path.basename(a)}.csv`);
    writeFileSync(csv, `\uFEFFFolder;Order\r\n${path.basename(a)};T4\r\n${path.basename(b)};T4\r\n`);
    dirs.push(csv);
    const cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      const r = await cli.run(['batch', csv, '--no-progress']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await count('T4')).toBe(4);
      const missing = path.join(base, `batch-missing-${path.basename(b)}.csv`);
      writeFileSync(missing, `folder;order\r\n${path.basename(b)};T5\r\nno-such-folder-${path.basename(b)};T5\r\n`);
      dirs.push(missing);
      const m = await cli.run(['batch', missing, '--no-progress']);
      expect(m.code).toBe(2);
      expect(m.stderr).toContain(`no-such-folder-${path.basename(b)} does not exist`);
      expect(await count('T5')).toBe(0);
    } finally {
      cli.cleanup();
    }
  });
});
