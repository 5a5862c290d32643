/**
 * src/core/transfer/manifest.ts — the local manifest (SPEC "Manifest"): write-behind (coalesced; journal lines,
 * snapshots by temp file + rename; the journal itself in manifest-journal.test.ts), a lock refusing a second run (naming its pid), stale locks taken over, a corrupt file moved
 * aside, write errors surfacing in flush(), and the lock-free reader for `status`/`verify`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  defaultStateDir,
  ManifestLockedError,
  manifestPathFor,
  ManifestStore,
  type ManifestEntry,
} from '../../src/core/transfer/manifest.js';

const ident = { root: '/shoots/villa', orderId: 'ORD-1', apiUrl: 'http://127.0.0.1:8787' };

function entry(over: Partial<ManifestEntry> = {}): ManifestEntry {
  return { bytes: 100, mtime_ms: 1_700_000_000_000, state: 'pending', room_type: 'kitchen', stack_id: 'g001', attempts: 0, updated_at: '', ...over };
}

let dir: string;
let file: string;
const opened: ManifestStore[] = [];

async function open(f = file, onError?: (e: Error) => void) {
  const res = await ManifestStore.open(f, ident, onError);
  opened.push(res.store);
  return res;
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(tmpdir(), 'piximmo-manifest-'));
  file = path.join(dir, 'state', 'manifests', 'villa-ORD-1.json');
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('ManifestStore: open, write, read back', () => {
  it('creates the folder and a fresh manifest, writes entries and reads them back after close', async () => {
    const { store, rebuilt } = await open();
    expect(rebuilt).toBeUndefined();
    store.set('kitchen/a.jpg', entry({ checksum: 'abc' }));
    const patched = store.patch('kitchen/a.jpg', { state: 'registered', file_id: 'f1' });
    expect(patched).toMatchObject({ state: 'registered', file_id: 'f1', checksum: 'abc' });
    expect(patched.updated_at).not.toBe('');
    expect(() => store.patch('nope.jpg', { state: 'failed' })).toThrow(/no entry/);
    await store.close();

    const data = await ManifestStore.read(file);
    expect(data).toMatchObject({ version: 1, root: ident.root, order_id: 'ORD-1', api_url: ident.apiUrl });
    expect(data!.files['kitchen/a.jpg']).toMatchObject({ state: 'registered', file_id: 'f1', checksum: 'abc' });
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);

    const again = await open();
    expect(again.store.get('kitchen/a.jpg')).toMatchObject({ state: 'registered' });
    expect(again.store.entries().map(([k]) => k)).toEqual(['kitchen/a.jpg']);
  });

  it('write-behind coalesces: many updates during one write make one more write, not one each', async () => {
    const { store } = await open();
    const rename = vi.spyOn(fsp, 'rename');
    for (let i = 0; i < 200; i++) store.set(`f${i}.jpg`, entry({ attempts: i }));
    await store.flush();
    // the first set starts a write at once; the other 199 are coalesced into the next one
    expect(rename.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(rename.mock.calls.length).toBeLessThanOrEqual(2);
    const data = await ManifestStore.read(file);
    expect(Object.keys(data!.files)).toHaveLength(200);
    expect(data!.files['f199.jpg'].attempts).toBe(199);
  });

  it('at most one write is in flight, and flush() waits for the latest state', async () => {
    const { store } = await open();
    let inFlight = 0;
    let maxInFlight = 0;
    const realOpen = fsp.open.bind(fsp);
    vi.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      const fh = await realOpen(...args);
      const close = fh.close.bind(fh);
      fh.close = async () => {
        inFlight--;
        return close();
      };
      return fh;
    });
    for (let round = 0; round < 5; round++) {
      store.set(`r${round}.jpg`, entry());
      await new Promise((r) => setTimeout(r, 2));
    }
    await store.flush();
    expect(maxInFlight).toBe(1);
    expect(Object.keys((await ManifestStore.read(file))!.files)).toHaveLength(5);
  });

  it('temp file + rename: no partial file is ever left, on success or on a failed compaction', async () => {
    const { store } = await open();
    store.set('a.jpg', entry());
    await store.flush();
    const listing = async (): Promise<string[]> => (await fsp.readdir(path.dirname(file))).filter((n) => !n.endsWith('.lock'));
    expect((await listing()).sort()).toEqual([path.basename(file), `${path.basename(file)}.journal`]);

    // Make the compaction on close fail: the manifest's path becomes a non-empty directory.
    await fsp.rm(file);
    await fsp.mkdir(path.join(file, 'x'), { recursive: true });
    store.set('b.jpg', entry());
    await expect(store.close()).rejects.toThrow();
    expect((await listing()).filter((n) => n.includes('.tmp'))).toEqual([]);
    expect(await fsp.readdir(file)).toEqual(['x']); // what was there is untouched
  });

  it('readers never see a torn manifest while writes go on', async () => {
    const { store } = await open();
    store.set('seed.jpg', entry());
    await store.flush();
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const d = await ManifestStore.read(file); // throws on torn JSON
        expect(d?.version).toBe(1);
        reads++;
      }
    })();
    for (let i = 0; i < 300; i++) {
      store.set(`f${i}.jpg`, entry({ checksum: 'x'.repeat(64) }));
      if (i % 30 === 0) await store.flush();
    }
    await store.flush();
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
  });
});

describe('ManifestStore: lock', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.pid) child.kill();
    child = undefined;
  });

  async function liveOtherPid(): Promise<number> {
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise((r) => child!.once('spawn', r));
    return child.pid!;
  }

  it('writes a lock file naming this process, and removes it on close', async () => {
    const { store } = await open();
    const lock = JSON.parse(await fsp.readFile(`${file}.lock`, 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    await store.close();
    await expect(fsp.access(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a second run is refused with ManifestLockedError naming the other pid', async () => {
    const pid = await liveOtherPid();
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(`${file}.lock`, JSON.stringify({ pid, host: hostname(), started_at: new Date().toISOString() }));
    const err = await ManifestStore.open(file, ident).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestLockedError);
    expect(err).toMatchObject({ pid, host: hostname(), file });
    expect((err as Error).message).toContain(String(pid));
    // the lock is left alone
    expect(JSON.parse(await fsp.readFile(`${file}.lock`, 'utf8')).pid).toBe(pid);
  });

  it('a stale lock (its process is gone, e.g. after kill -9) is taken over', async () => {
    const pid = await liveOtherPid();
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(`${file}.lock`, JSON.stringify({ pid, host: hostname(), started_at: '2025-01-01T00:00:00Z' }));
    const { store } = await open();
    expect(JSON.parse(await fsp.readFile(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
    store.set('a.jpg', entry());
    await store.close();
  });

  it('an unreadable lock file is stale only once it is old (a fresh empty one may be a live run writing it)', async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(`${file}.lock`, '');
    await expect(open()).rejects.toBeInstanceOf(ManifestLockedError);
    const old = new Date(Date.now() - 60_000);
    await fsp.utimes(`${file}.lock`, old, old);
    await expect(open()).resolves.toHaveProperty('store');
  });

  it('the lock appears with its content in one step (no temp files left behind)', async () => {
    const { store } = await open();
    const names = await fsp.readdir(path.dirname(file));
    expect(names.filter((n) => n.includes('.lock'))).toEqual(['villa-ORD-1.json.lock']);
    await store.close();
  });
});

describe('ManifestStore: corrupt manifests and write errors', () => {
  it.each([
    ['truncated JSON', '{"version": 1, "files": {"a.jpg": {"byt'],
    ['not JSON at all', '<html>oops</html>'],
    ['wrong version', JSON.stringify({ version: 2, files: {} })],
    ['no files', JSON.stringify({ version: 1 })],
    ['empty file', ''],
    ['files is an array', JSON.stringify({ version: 1, files: [] })],
    ['files is a string', JSON.stringify({ version: 1, files: 'a.jpg' })],
    ['an entry is not an object', JSON.stringify({ version: 1, files: { 'a.jpg': 'registered' } })],
    ['an entry without bytes', JSON.stringify({ version: 1, files: { 'a.jpg': { mtime_ms: 1, state: 'registered', room_type: 'k', stack_id: 'g001' } } })],
    ['an entry with an unknown state', JSON.stringify({ version: 1, files: { 'a.jpg': { bytes: 1, mtime_ms: 1, state: 'done', room_type: 'k', stack_id: 'g001' } } })],
  ])('a corrupt manifest (%s) is moved aside, `rebuilt` is set and a fresh one starts', async (_name, text) => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, text);
    const { store, rebuilt } = await open();
    expect(rebuilt).toBeDefined();
    expect(rebuilt!.reason).toBeTruthy();
    expect(rebuilt!.aside).toMatch(/\.corrupt-\d+$/);
    expect(await fsp.readFile(rebuilt!.aside, 'utf8')).toBe(text); // kept for inspection
    expect(store.entries()).toEqual([]);
    store.set('a.jpg', entry());
    await store.flush();
    expect((await ManifestStore.read(file))!.files).toHaveProperty('a.jpg');
  });

  it('flush() rejects after a write error (ENOTDIR), onError hears of it, and `error` keeps the first one', async () => {
    const errors: Error[] = [];
    const { store } = await open(file, (e) => errors.push(e));
    store.set('a.jpg', entry());
    await store.flush();
    // The manifest's folder is replaced by a regular file: every later write fails with ENOTDIR
    // (chmod would not do: the tests run as root).
    const folder = path.dirname(file);
    await fsp.rm(folder, { recursive: true });
    await fsp.writeFile(folder, 'not a folder');
    store.set('b.jpg', entry());
    await expect(store.flush()).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(store.error).toMatchObject({ code: 'ENOTDIR' });
    expect(errors).toHaveLength(1);
    const first = store.error;
    store.set('c.jpg', entry());
    store.patch('c.jpg', { state: 'failed' });
    await expect(store.flush()).rejects.toBe(first); // every later flush keeps rejecting with the first error
    expect(store.error).toBe(first);
    expect(errors.every((e) => (e as NodeJS.ErrnoException).code === 'ENOTDIR')).toBe(true);
    await expect(store.close()).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('open() fails with the fs error when the manifest cannot live where asked', async () => {
    const blocker = path.join(dir, 'blocker');
    await fsp.writeFile(blocker, 'x');
    await expect(ManifestStore.open(path.join(blocker, 'sub', 'm.json'), ident)).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(ManifestStore.open(path.join(blocker, 'm.json'), ident)).rejects.toMatchObject({ code: 'EEXIST' });
  });
});

describe('ManifestStore.read (lock-free reader)', () => {
  it('returns null for a missing file, the data for a good one, and throws for a corrupt one', async () => {
    expect(await ManifestStore.read(path.join(dir, 'missing.json'))).toBeNull();
    const good = path.join(dir, 'good.json');
    await fsp.writeFile(good, JSON.stringify({ version: 1, root: '/r', order_id: 'O', api_url: 'u', created_at: 'x', files: {} }));
    expect(await ManifestStore.read(good)).toMatchObject({ order_id: 'O' });
    const bad = path.join(dir, 'bad.json');
    await fsp.writeFile(bad, '{"version": 1, "fil');
    await expect(ManifestStore.read(bad)).rejects.toThrow();
    await fsp.writeFile(bad, JSON.stringify({ version: 7, files: {} }));
    await expect(ManifestStore.read(bad)).rejects.toThrow(/not a piximmo manifest/);
    await expect(ManifestStore.read(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('reads while another store holds the lock, and does not touch the file or the lock', async () => {
    const { store } = await open();
    store.set('a.jpg', entry());
    await store.flush();
    const before = await fsp.stat(file);
    const lockBefore = await fsp.readFile(`${file}.lock`, 'utf8');
    expect((await ManifestStore.read(file))!.files).toHaveProperty('a.jpg');
    expect((await fsp.stat(file)).mtimeMs).toBe(before.mtimeMs);
    expect(await fsp.readFile(`${file}.lock`, 'utf8')).toBe(lockBefore);
  });

  it('does not move a corrupt manifest aside (only open() does)', async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, 'garbage');
    await expect(ManifestStore.read(file)).rejects.toThrow();
    expect(await fsp.readFile(file, 'utf8')).toBe('garbage');
  });
});

describe('manifest location', () => {
  it('is keyed by the real path and the order, in the state dir', () => {
    const a = manifestPathFor('/shoots/villa', 'ORD-1', '/state');
    expect(a.startsWith('/state/manifests/')).toBe(true);
    expect(manifestPathFor('/shoots/villa', 'ORD-1', '/state')).toBe(a);
    expect(manifestPathFor('/shoots/villa', 'ORD-2', '/state')).not.toBe(a);
    expect(manifestPathFor('/other/villa', 'ORD-1', '/state')).not.toBe(a);
    expect(path.basename(manifestPathFor('/x/Haus Müller ümlaut', 'ORD/1', '/s'))).toMatch(/^[A-Za-z0-9._-]+\.json$/);
  });

  it('state dir: PIXIMMO_STATE_DIR, else XDG_STATE_HOME/piximmo, else ~/.local/state/piximmo', () => {
    expect(defaultStateDir({ PIXIMMO_STATE_DIR: '/p', XDG_STATE_HOME: '/x', HOME: '/h' })).toBe('/p');
    expect(defaultStateDir({ XDG_STATE_HOME: '/x', HOME: '/h' })).toBe(path.join('/x', 'piximmo'));
    expect(defaultStateDir({ HOME: '/h' })).toBe(path.join('/h', '.local', 'state', 'piximmo'));
  });
});
