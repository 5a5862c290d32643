/**
 * src/core/transfer/manifest-journal.ts — the manifest as snapshot + append-only journal (issue 15): a torn last
 * line is ignored, the journal is compacted into a new snapshot (when it outgrows the snapshot, and on close), an
 * update costs one line whatever the shoot's size, a journal of the wrong shape is moved aside and rebuilt, a
 * compaction cut between its two steps loses nothing, and a second process is refused while a writer — killed
 * with SIGKILL at a random moment — loses nothing it had flushed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { journalPath, MIN_COMPACT_BYTES } from '../../src/core/transfer/manifest-journal.js';
import { ManifestLockedError, ManifestStore, type ManifestEntry } from '../../src/core/transfer/manifest.js';

const ident = { root: '/shoots/villa', orderId: 'ORD-1', apiUrl: 'http://127.0.0.1:8787' };
const here = path.dirname(fileURLToPath(import.meta.url));

function entry(over: Partial<ManifestEntry> = {}): ManifestEntry {
  return { bytes: 100, mtime_ms: 1_700_000_000_000, checksum: 'a'.repeat(64), state: 'pending', room_type: 'kitchen', stack_id: 'g001', attempts: 0, updated_at: '', ...over };
}

let dir: string;
let file: string;
let journal: string;
const opened: ManifestStore[] = [];

async function open() {
  const res = await ManifestStore.open(file, ident);
  opened.push(res.store);
  return res;
}

const lines = async (): Promise<string[]> => (await fsp.readFile(journal, 'utf8')).split('\n').filter(Boolean);

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(tmpdir(), 'piximmo-journal-'));
  file = path.join(dir, 'm.json');
  journal = journalPath(file);
});

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('manifest journal: appends, torn lines, compaction', () => {
  it('an update appends one line with the entry; close folds the journal into the snapshot', async () => {
    const { store } = await open();
    store.set('a.jpg', entry());
    await store.flush(); // the first write of a fresh manifest is a compaction: snapshot + empty journal
    expect(await lines()).toEqual(['{"journal":1}']);
    store.patch('a.jpg', { state: 'registered', file_id: 'f1' });
    await store.flush();
    const after = await lines();
    expect(after).toHaveLength(2);
    expect(JSON.parse(after[1])).toMatchObject({ k: 'a.jpg', e: { state: 'registered', file_id: 'f1' } });
    // The snapshot alone still has the old state; snapshot + journal the new one.
    expect(JSON.parse(await fsp.readFile(file, 'utf8')).files['a.jpg'].state).toBe('pending');
    expect((await ManifestStore.read(file))!.files['a.jpg'].state).toBe('registered');
    await store.close();
    expect(JSON.parse(await fsp.readFile(file, 'utf8'))).toMatchObject({ journal: 2, files: { 'a.jpg': { state: 'registered' } } });
    expect(await lines()).toEqual(['{"journal":2}']);
    expect((await fsp.stat(journal)).mode & 0o777).toBe(0o600);
  });

  it('an update costs one line whatever the number of entries (no whole rewrite per update)', async () => {
    const { store } = await open();
    for (let i = 0; i < 2000; i++) store.set(`room/f${i}.jpg`, entry());
    await store.flush();
    await store.close();
    const { store: again } = await open();
    const snapshotBytes = (await fsp.stat(file)).size;
    expect(snapshotBytes).toBeGreaterThan(MIN_COMPACT_BYTES); // so the next updates stay in the journal
    const before = (await fsp.stat(journal)).size;
    again.patch('room/f1234.jpg', { state: 'registered', file_id: 'x' });
    await again.flush();
    expect((await fsp.stat(journal)).size - before).toBeLessThan(400);
    expect((await fsp.stat(file)).size).toBe(snapshotBytes); // the snapshot was not rewritten
  });

  it('compacts once the journal outgrows the snapshot; nothing is lost across compactions', async () => {
    const { store } = await open();
    store.set('a.jpg', entry());
    await store.flush();
    const gens = new Set<number>();
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 100; i++) store.set(`r${round}/f${i}.jpg`, entry({ attempts: round }));
      await store.flush();
      gens.add(JSON.parse(await fsp.readFile(file, 'utf8')).journal);
      expect((await fsp.stat(journal)).size).toBeLessThanOrEqual(Math.max((await fsp.stat(file)).size, MIN_COMPACT_BYTES) + 200_000);
    }
    expect(gens.size).toBeGreaterThan(2); // several compactions happened
    const data = (await ManifestStore.read(file))!;
    expect(Object.keys(data.files)).toHaveLength(4001);
    expect(data.files['r39/f99.jpg'].attempts).toBe(39);
  });

  it('a torn last line (a cut append) is ignored; the next run compacts it away before appending', async () => {
    const { store } = await open();
    store.set('a.jpg', entry());
    store.set('b.jpg', entry());
    await store.flush();
    store.patch('a.jpg', { state: 'registered', file_id: 'f1' });
    await store.flush();
    await fsp.appendFile(journal, '{"k":"b.jpg","e":{"bytes":100,"mtime_ms":1700000000000,"state":"regis');
    const read = (await ManifestStore.read(file))!;
    expect(read.files['a.jpg'].state).toBe('registered');
    expect(read.files['b.jpg'].state).toBe('pending');
    await fsp.rm(`${file}.lock`); // as after kill -9 (the lock's process is this one: open() takes it over anyway)
    opened.splice(0);

    const { store: next, rebuilt } = await open();
    expect(rebuilt).toBeUndefined();
    expect(next.get('a.jpg')).toMatchObject({ state: 'registered', file_id: 'f1' });
    next.patch('b.jpg', { attempts: 2 });
    await next.flush();
    const now = await lines();
    expect(now.every((l) => JSON.parse(l))).toBeTruthy(); // the torn line is gone: every line parses
    expect((await ManifestStore.read(file))!.files['b.jpg'].attempts).toBe(2);
  });

  it('a journal from before the last compaction (cut between its two steps) is not applied again', async () => {
    const { store } = await open();
    store.set('a.jpg', entry());
    await store.flush();
    store.patch('a.jpg', { state: 'uploaded' });
    await store.flush();
    const oldJournal = await fsp.readFile(journal, 'utf8'); // generation 1, says "uploaded"
    store.patch('a.jpg', { state: 'registered', file_id: 'f1' });
    await store.close(); // snapshot 2 says "registered"
    await fsp.writeFile(journal, oldJournal); // as if the run died after the snapshot's rename
    expect((await ManifestStore.read(file))!.files['a.jpg'].state).toBe('registered');
    const { store: next } = await open();
    expect(next.get('a.jpg')!.state).toBe('registered');
  });

  it.each([
    ['a line that is not JSON', 'garbage\n'],
    ['a line of the wrong shape', '{"k":"a.jpg","e":{"state":"done"}}\n'],
    ['a line without a key', `${JSON.stringify({ e: entry() })}\n`],
  ])('a journal with %s before its end is moved aside with the snapshot, and a fresh manifest starts', async (_name, bad) => {
    const { store } = await open();
    store.set('a.jpg', entry());
    await store.flush();
    await store.close();
    await fsp.appendFile(journal, `${bad}${JSON.stringify({ k: 'b.jpg', e: entry() })}\n`);
    await expect(ManifestStore.read(file)).rejects.toThrow(/not a piximmo manifest/);
    const { store: next, rebuilt } = await open();
    expect(rebuilt?.reason).toMatch(/line 2/);
    expect(rebuilt!.aside).toMatch(/\.corrupt-\d+$/);
    expect(next.entries()).toEqual([]);
    const names = await fsp.readdir(dir);
    expect(names.filter((n) => n.includes('.corrupt-')).sort()).toEqual([path.basename(rebuilt!.aside), `m.json.journal${rebuilt!.aside.slice(file.length)}`]);
    next.set('c.jpg', entry());
    await next.close();
    expect(Object.keys((await ManifestStore.read(file))!.files)).toEqual(['c.jpg']);
  });

  it('a journal without a header is corrupt; a snapshot from before the journal ignores any journal beside it', async () => {
    await fsp.writeFile(file, JSON.stringify({ version: 1, root: '/r', order_id: 'O', api_url: 'u', created_at: 'x', files: { 'a.jpg': entry() } }));
    await fsp.writeFile(journal, `{"journal":1}\n${JSON.stringify({ k: 'b.jpg', e: entry() })}\n`);
    expect(Object.keys((await ManifestStore.read(file))!.files)).toEqual(['a.jpg']);
    await fsp.writeFile(file, JSON.stringify({ version: 1, root: '/r', order_id: 'O', api_url: 'u', created_at: 'x', journal: 1, files: {} }));
    await fsp.writeFile(journal, 'no header');
    await expect(ManifestStore.read(file)).rejects.toThrow(/no header/);
  });
});

describe('manifest journal: a writer in another process', () => {
  let childJs: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    childJs = path.join(await fsp.mkdtemp(path.join(tmpdir(), 'piximmo-journal-child-')), 'child.mjs');
    await build({ entryPoints: [path.join(here, '_journal-writer/child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: childJs, logLevel: 'silent' });
  });
  afterAll(async () => {
    await fsp.rm(path.dirname(childJs), { recursive: true, force: true });
  });
  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('refuses a second opener, readers see only growing states, and SIGKILL at a random moment loses nothing flushed', async () => {
    child = spawn(process.execPath, [childJs, file, '50'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let flushed = 0;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      for (const m of d.matchAll(/flushed (\d+)/g)) flushed = Math.max(flushed, Number(m[1]));
    });
    const killAt = 3000 + Math.floor(Math.random() * 6000); // entries: well past several compactions
    let seen = 0;
    let refused = false;
    while (flushed < killAt) {
      const data = await ManifestStore.read(file);
      const n = data ? Object.keys(data.files).length : 0;
      expect(n).toBeGreaterThanOrEqual(seen); // never an older state than one already seen
      seen = n;
      if (!refused && flushed > 0) {
        refused = true;
        const err = await ManifestStore.open(file, ident).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ManifestLockedError);
        expect(err).toMatchObject({ pid: child.pid });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(refused).toBe(true);
    const mustHave = flushed;
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    const { store, rebuilt } = await open(); // the dead child's lock is taken over
    expect(rebuilt).toBeUndefined();
    for (let i = 0; i < mustHave; i++) expect(store.get(`f${i}.jpg`), `f${i}.jpg`).toBeDefined();
    for (let i = 0; i < mustHave - 1; i++) expect(store.get(`f${i}.jpg`)!.state, `f${i}.jpg`).toBe('registered');
  }, 120_000);
});
