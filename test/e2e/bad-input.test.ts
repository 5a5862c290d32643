/**
 * Issue 3 "Bad input": each case gets a clear message and the rest of the upload goes on — a file
 * deleted or unreadable between scan and upload, a 0-byte file, a symlink loop, an NFD name (sent as
 * NFC), a very long name, a file over the 250 MB limit (refused before any byte is sent), a server that
 * answers HTML, and a full disk under the manifest.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliEnv } from '../helpers/cli.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import type { FileListResponse } from '../../src/contract/api.js';

const isRoot = process.getuid?.() === 0;
function canMountTmpfs(): boolean {
  if (!isRoot) return false;
  const probe = mkdtempSync(path.join(tmpdir(), 'piximmo-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const tmpfsOk = canMountTmpfs();
if (!tmpfsOk) console.warn('SKIP disk-full test: a small tmpfs cannot be mounted here (needs root)');

describe('bad input', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  const dirs: string[] = [];

  function shoot(): string {
    const d = mkdtempSync(path.join(tmpdir(), 'piximmo-bad-'));
    dirs.push(d);
    return d;
  }
  async function listed(order: string): Promise<FileListResponse['files']> {
    const res = await fetch(`${server.url}/api/orders/${order}/files`, { headers: { authorization: 'Bearer tok-alice' } });
    return ((await res.json()) as FileListResponse).files;
  }

  beforeAll(async () => {
    server = await startTestServer({
      intentRate: 0,
      seed: { users: [{ id: 'alice', name: 'Alice', device_token: 'tok-alice', orders: ['B1', 'B2', 'B3', 'B4', 'B5', 'B6'].map((id) => ({ id, shootcode: `SH${id}` })) }] },
    });
    proxy = await FaultProxy.start(server.url);
  });

  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await proxy?.close();
    await server?.close();
  });

  it('a file deleted after the scan fails with a clear reason; the others upload; exit 1', async () => {
    const dir = shoot();
    for (let i = 0; i < 4; i++) writeFileSync(path.join(dir, `IMG_${i}.JPG`), makeJpeg({ seed: 40 + i }));
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    let deleted = false;
    proxy.onRequest = (e) => {
      if (e.kind === 'intent' && !deleted) {
        deleted = true;
        unlinkSync(path.join(dir, 'IMG_3.JPG'));
      }
    };
    try {
      const r = await cli.run(['upload', dir, '--order', 'B1', '--concurrency', '1', '--no-progress']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('IMG_3.JPG');
      expect(r.stderr).toContain('deleted or moved after the scan');
      expect((await listed('B1')).map((f) => f.filename).sort()).toEqual(['IMG_0.JPG', 'IMG_1.JPG', 'IMG_2.JPG']);
    } finally {
      proxy.onRequest = undefined;
      cli.cleanup();
    }
  });

  it('an unreadable file fails with a clear reason; the others upload', async () => {
    const dir = shoot();
    chmodSync(dir, 0o755);
    for (let i = 0; i < 3; i++) writeFileSync(path.join(dir, `IMG_${i}.JPG`), makeJpeg({ seed: 60 + i }), { mode: 0o644 });
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    let prefix: string[] = [];
    if (isRoot) {
      // root reads everything: drop to nobody so that the file permission is real.
      chownSync(cli.home, 65534, 65534);
      prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    }
    let locked = false;
    proxy.onRequest = (e) => {
      if (e.kind === 'intent' && !locked) {
        locked = true;
        chmodSync(path.join(dir, 'IMG_2.JPG'), 0o000);
      }
    };
    try {
      const r = await cli.run(['upload', dir, '--order', 'B2', '--concurrency', '1', '--no-progress'], { prefix });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/IMG_2\.JPG.*cannot be read/);
      expect((await listed('B2')).map((f) => f.filename).sort()).toEqual(['IMG_0.JPG', 'IMG_1.JPG']);
    } finally {
      proxy.onRequest = undefined;
      cli.cleanup();
    }
  });

  it('0-byte files fail (exit 1, issue 10), symlink loops do not hang, NFD names arrive as NFC, long names work, the rest uploads', async () => {
    const dir = shoot();
    mkdirSync(path.join(dir, 'Bad'));
    writeFileSync(path.join(dir, 'Bad', 'EMPTY.JPG'), '');
    symlinkSync('..', path.join(dir, 'Bad', 'loop')); // Bad/loop/Bad/loop/… must not hang the scan
    const nfd = 'Ku\u0308che_Fenster.jpg'; // "Küche" as macOS writes it
    writeFileSync(path.join(dir, 'Bad', nfd), makeJpeg({ seed: 71 }));
    const long = `${'Sehr_langer_Dateiname_'.repeat(10).slice(0, 240)}.jpg`;
    writeFileSync(path.join(dir, 'Bad', long), makeJpeg({ seed: 72 }));
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    try {
      const r = await cli.run(['upload', dir, '--order', 'B3', '--json']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.events.find((e) => e.event === 'file' && e.state === 'failed')).toMatchObject({ path: 'Bad/EMPTY.JPG', error: { code: 'EMPTY_FILE' } });
      const names = (await listed('B3')).map((f) => f.filename).sort();
      expect(names).toEqual([long, 'K\u00fcche_Fenster.jpg'].sort());
      expect(names.every((n) => n === n.normalize('NFC'))).toBe(true);
      const plain = await cli.run(['upload', dir, '--order', 'B3', '--no-progress']);
      expect(plain.stderr).toMatch(/EMPTY\.JPG.*empty \(0 bytes\)/);
    } finally {
      cli.cleanup();
    }
  });

  it('a file over the 250 MB limit is refused before any byte is sent, naming the file and both sizes', async () => {
    const dir = shoot();
    const big = path.join(dir, 'DRONE_4K.MP4');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 300_000_000); // sparse: no disk used
    closeSync(fd);
    writeFileSync(path.join(dir, 'IMG_1.JPG'), makeJpeg({ seed: 80 }));
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    const from = proxy.log.length;
    try {
      const r = await cli.run(['upload', dir, '--order', 'B4', '--no-progress']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/DRONE_4K\.MP4.*too large: 286\.1 MiB \(the limit is 250 MiB\)/); // issue 10: in the limit's unit
      const puts = proxy.log.slice(from).filter((e) => e.kind === 'put');
      expect(puts).toHaveLength(1); // only IMG_1.JPG
      expect((await listed('B4')).map((f) => f.filename)).toEqual(['IMG_1.JPG']);
    } finally {
      cli.cleanup();
    }
  });

  it('a server that answers HTML (a hotel login page) fails with words a photographer understands', async () => {
    const dir = shoot();
    writeFileSync(path.join(dir, 'IMG_1.JPG'), makeJpeg({ seed: 90 }));
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    proxy.opts.rate = 1;
    proxy.opts.kinds = ['html'];
    try {
      const r = await cli.run(['upload', dir, '--order', 'B5', '--no-progress', '--retries', '2']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('hotel login page');
      expect(r.stderr).toMatch(/run the same command again/i);
    } finally {
      proxy.opts.rate = 0;
      cli.cleanup();
    }
  });

  it.skipIf(!tmpfsOk)('a full disk under the manifest stops the upload safely; a re-run completes, nothing lost or doubled', async () => {
    const dir = shoot();
    for (let i = 0; i < 60; i++) writeFileSync(path.join(dir, `IMG_${String(i).padStart(3, '0')}_${'x'.repeat(80)}.JPG`), makeJpeg({ seed: 300 + i }));
    const state = mkdtempSync(path.join(tmpdir(), 'piximmo-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12k', 'tmpfs', state]);
    const cli = new CliEnv(proxy.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0', PIXIMMO_STATE_DIR: state });
    try {
      const r = await cli.run(['upload', dir, '--order', 'B6', '--json']);
      expect(r.code).toBe(1);
      expect(r.events.some((e) => e.event === 'error' && e.code === 'MANIFEST_WRITE_FAILED')).toBe(true);
      expect(r.stderr).toMatch(/could not be saved.*Free some disk space/s);
      // The last good manifest is still there and readable; no temp file left behind.
      const left = readdirSync(path.join(state, 'manifests'));
      expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const before = (await listed('B6')).length;
      expect(before).toBeLessThan(60);
      execFileSync('umount', [state]);
      const again = await cli.run(['upload', dir, '--order', 'B6', '--json']);
      expect(again.code, again.stderr).toBe(0);
      const files = await listed('B6');
      expect(files).toHaveLength(60);
      expect(new Set(files.map((f) => f.checksum)).size).toBe(60);
    } finally {
      try {
        execFileSync('umount', [state], { stdio: 'ignore' });
      } catch {
        // already unmounted
      }
      rmSync(state, { recursive: true, force: true });
      cli.cleanup();
    }
  });
});
