/**
 * Issue 10 "Stacks that are really stacks", end to end (real local server, real CLI binary, real JPEG files
 * with EXIF): two bedrooms with `Stack 1` each and a second shoot folder into the same order get distinct
 * stack ids, none shared; a re-run, a fresh manifest and a kill -9 + resume keep every stack's id; the
 * server's /stacks reports the frames; `piximmo stacks` prints the receipt; a frame changed on disk is
 * uploaded again with `replaces` (the order keeps its latest version, in its stack); a stack with a frame
 * that could not be registered is listed by the closing check.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileListResponse, FileRecord, StacksResponse } from '../../src/contract/api.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { CliEnv, parseNdjson, waitFor } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ORDERS = ['ORD-S1', 'ORD-S2', 'ORD-S3', 'ORD-S4'];
let server: TestServer;
let cli: CliEnv;
let root: string;
let shootA: string;
let shootB: string;
let seed = 1;

/** One bracket of `evs` in `dir`, camera `serial`, starting at `time` (HH:MM), padded to `padTo` bytes. */
function bracket(dir: string, serial: string, time: string, evs: number[], padTo = 200_000): void {
  mkdirSync(dir, { recursive: true });
  evs.forEach((ev, i) => {
    const n = seed++;
    const exif = { make: 'Canon', model: 'EOS R5', serial, ev, dateTimeOriginal: `2025:03:01 ${time}:0${i}` };
    writeFileSync(path.join(dir, `IMG_${String(n).padStart(4, '0')}.JPG`), makeJpeg({ seed: n, exif, padTo }));
  });
}

async function get<T>(p: string): Promise<T> {
  const r = await fetch(`${server.url}${p}`, { headers: { authorization: 'Bearer tok-alice' } });
  return (await r.json()) as T;
}
const files = async (order: string) => (await get<FileListResponse>(`/api/orders/${order}/files`)).files;
const stacks = async (order: string) => (await get<StacksResponse>(`/api/orders/${order}/stacks`)).stacks;

/** The stack id of every file path of the run's `file` events (the last event per path). */
function idsOf(events: Record<string, unknown>[], shoot: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events) if (e.event === 'file' && e.root === shoot) out.set(String(e.path), `${e.room_type}/${e.stack_id}`);
  return out;
}

/** Server files grouped by (room_type, stack_id) → the local stack folders they came from (by filename). */
function foldersPerStack(list: FileRecord[], folderOf: Map<string, string>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of list) {
    const k = `${f.room_type}/${f.stack_id}`;
    (out.get(k) ?? out.set(k, new Set()).get(k)!).add(folderOf.get(f.filename) ?? `?${f.filename}`);
  }
  return out;
}

const folderOf = new Map<string, string>();

beforeAll(async () => {
  server = await startTestServer({
    intentRate: 0,
    seed: { users: [{ id: 'alice', name: 'Alice', device_token: 'tok-alice', orders: ORDERS.map((id, i) => ({ id, shootcode: `SHS${i + 1}` })) }] },
  });
  cli = new CliEnv(server.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
  root = mkdtempSync(path.join(tmpdir(), 'piximmo-stacks-'));
  shootA = path.join(root, 'shootA');
  shootB = path.join(root, 'shootB');
  bracket(path.join(shootA, 'Schlafzimmer 1', 'Stack 1'), '111', '10:00', [-2, 0, 2]);
  bracket(path.join(shootA, 'Schlafzimmer 2', 'Stack 1'), '111', '10:05', [-2, 0, 2]);
  bracket(path.join(shootA, 'Küche', 'Stack 1'), '111', '10:10', [-2, 0, 2]);
  bracket(path.join(shootA, 'Terrasse'), '111', '10:20', [-2, 0, 2]); // loose: grouped from EXIF
  bracket(path.join(shootB, 'Schlafzimmer', 'Stack 1'), '222', '11:00', [-1, 0, 1]);
  bracket(path.join(shootB, 'Terrasse'), '222', '11:10', [-2, 0, 2]);
  for (const shoot of [shootA, shootB]) {
    for (const room of ['Schlafzimmer 1/Stack 1', 'Schlafzimmer 2/Stack 1', 'Küche/Stack 1', 'Terrasse', 'Schlafzimmer/Stack 1']) {
      try {
        for (const f of readdirSync(path.join(shoot, room))) folderOf.set(f, `${path.basename(shoot)}/${room}`);
      } catch {
        // not in this shoot
      }
    }
  }
}, 60_000);

afterAll(async () => {
  cli?.cleanup();
  if (root) rmSync(root, { recursive: true, force: true });
  await server?.close();
});

describe('stack identity, end to end', () => {
  let first: Map<string, string>;

  it('two bedrooms with Stack 1 and a second shoot folder into one order: distinct stack ids, none shared', async () => {
    const a = await cli.run(['upload', shootA, '--order', 'ORD-S1', '--json']);
    expect(a.code, a.stderr).toBe(0);
    first = idsOf(a.events, shootA);
    expect(first.size).toBe(12);
    const bedroomIds = new Set([...first].filter(([p]) => p.startsWith('Schlafzimmer')).map(([, id]) => id));
    expect(bedroomIds).toEqual(new Set(['bedroom/g001', 'bedroom/g002']));
    const note = a.events.find((e) => e.event === 'warning' && e.code === 'STACK_ID_ALLOCATED');
    expect(note).toMatchObject({ room_type: 'bedroom', room_label: 'Schlafzimmer 2', folder_stack_id: 'g001', stack_id: 'g002' });

    const b = await cli.run(['upload', shootB, '--order', 'ORD-S1']); // plain output: the human note
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/Schlafzimmer g001 is bedroom g003 in this order/);

    const list = await files('ORD-S1');
    expect(list).toHaveLength(18);
    const per = foldersPerStack(list, folderOf);
    for (const [stack, folders] of per) expect([...folders], stack).toHaveLength(1); // no stack holds two folders
    expect(per.size).toBe(6);
    const st = await stacks('ORD-S1');
    expect(st).toHaveLength(6);
    for (const s of st) expect(s).toMatchObject({ frames_declared: 3, frames_registered: 3, complete: true });
    expect(st.find((s) => s.room_label === 'Schlafzimmer 2')).toMatchObject({ room_type: 'bedroom', stack_id: 'g002', ev: [-2, 0, 2] });
    expect(st.filter((s) => s.room_type === 'terrace').map((s) => s.stack_id).sort()).toEqual(['g001', 'g002']);
  }, 120_000);

  it('a re-run and a fresh manifest keep every stack id', async () => {
    const again = await cli.run(['upload', shootA, '--order', 'ORD-S1', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(idsOf(again.events, shootA)).toEqual(first);
    rmSync(path.join(cli.env.PIXIMMO_STATE_DIR!, 'manifests'), { recursive: true, force: true });
    const fresh = await cli.run(['upload', shootA, '--order', 'ORD-S1', '--json']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(idsOf(fresh.events, shootA)).toEqual(first);
    expect(fresh.events.filter((e) => e.event === 'file' && e.state === 'uploading')).toEqual([]);
    expect(await files('ORD-S1')).toHaveLength(18);
  }, 120_000);

  it('kill -9 in the middle, then resume: the same ids as an uninterrupted run', async () => {
    const run = cli.spawn(['upload', shootA, '--order', 'ORD-S2', '--json', '--bwlimit', '400K', '--concurrency', '2']);
    await waitFor(() => parseNdjson(run.output().stdout).filter((e) => e.event === 'file' && e.state === 'registered').length >= 3, 60_000);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    const before = idsOf(killed.events, shootA);
    const resumed = await cli.run(['upload', shootA, '--order', 'ORD-S2', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = idsOf(resumed.events, shootA);
    for (const [p, id] of before) if (killed.events.some((e) => e.event === 'file' && e.path === p && e.state === 'registered')) expect(after.get(p), p).toBe(id);
    expect(after).toEqual(first); // same shoot, same order of allocation: the same ids as in ORD-S1
    const st = await stacks('ORD-S2');
    expect(st).toHaveLength(4);
    for (const s of st) expect(s).toMatchObject({ frames_registered: 3, complete: true });
  }, 120_000);

  it('piximmo stacks prints the receipt (en, de, --json)', async () => {
    const en = await cli.run(['stacks', '--order', 'ORD-S1']);
    expect(en.code, en.stderr).toBe(0);
    expect(en.stdout).toMatch(/Stacks of order ORD-S1:/);
    expect(en.stdout).toMatch(/bedroom\s+Schlafzimmer 2\s+g002\s+3\/3\s+complete\s+-2 0 \+2/);
    expect(en.stdout).toMatch(/6 stacks, 0 incomplete\./);
    const de = await cli.run(['stacks', '--order', 'ORD-S1', '--lang', 'de']);
    expect(de.stdout).toMatch(/Belichtungsreihen von Auftrag ORD-S1:/);
    expect(de.stdout).toMatch(/vollständig/);
    const json = await cli.run(['stacks', '--order', 'ORD-S1', '--json']);
    const ev = json.events.filter((e) => e.event === 'stack');
    expect(ev).toHaveLength(6);
    expect(ev[0]).toMatchObject({ v: 1, order_id: 'ORD-S1', frames_declared: 3, frames_registered: 3, complete: true });
  }, 60_000);
});

describe('a changed frame is uploaded again with replaces', () => {
  it('the order keeps only the latest version, in the same stack; the stack stays complete', async () => {
    const dir = path.join(shootA, 'Küche', 'Stack 1');
    const name = readdirSync(dir).sort()[1];
    const old = (await files('ORD-S1')).find((f) => f.filename === name)!;
    writeFileSync(path.join(dir, name), makeJpeg({ seed: 900, exif: { make: 'Canon', model: 'EOS R5', serial: '111', ev: 0, dateTimeOriginal: '2025:03:01 10:10:01' }, padTo: 210_000 }));
    const r = await cli.run(['upload', shootA, '--order', 'ORD-S1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const sent = r.events.filter((e) => e.event === 'file' && e.state === 'registered' && !e.note);
    expect(sent.map((e) => e.path)).toEqual([`Küche/Stack 1/${name}`]);
    expect(sent[0].stack_id).toBe(old.stack_id);
    const list = await files('ORD-S1');
    expect(list).toHaveLength(18);
    const now = list.filter((f) => f.filename === name);
    expect(now).toHaveLength(1);
    expect(now[0]).toMatchObject({ replaces: old.file_id, stack_id: old.stack_id, room_type: 'kitchen', bytes: 210_000 });
    expect(now[0].file_id).not.toBe(old.file_id);
    expect((await stacks('ORD-S1')).find((s) => s.room_type === 'kitchen')).toMatchObject({ frames_registered: 3, complete: true });
    const quiet = await cli.run(['upload', shootA, '--order', 'ORD-S1', '--json']);
    expect(quiet.events.filter((e) => e.event === 'file' && e.state === 'uploading')).toEqual([]);
  }, 120_000);
});

describe('the closing check lists incomplete stacks', () => {
  it('a frame the server refuses leaves its stack at 2 of 3 frames: said in both languages and in --json', async () => {
    const small = await startTestServer({ intentRate: 0, maxBytes: 300_000 });
    const env = new CliEnv(small.url, 'tok-alice', { PIXIMMO_INTENT_RATE: '0' });
    const shoot = path.join(root, 'shootC');
    try {
      bracket(path.join(shoot, 'Küche', 'Stack 3'), '333', '12:00', [-2, 0], 100_000);
      writeFileSync(path.join(shoot, 'Küche', 'Stack 3', 'IMG_9999.JPG'), makeJpeg({ seed: 999, exif: { make: 'Canon', model: 'EOS R5', serial: '333', ev: 2, dateTimeOriginal: '2025:03:01 12:00:02' }, padTo: 400_000 }));
      const en = await env.run(['upload', shoot, '--order', 'ORD-1']);
      expect(en.code).toBe(1);
      expect(en.stdout).toMatch(/Incomplete stacks on the server \(1\):\n\s+kitchen g003: 2 of 3 frames \(Küche\)/);
      const de = await env.run(['upload', shoot, '--order', 'ORD-1', '--lang', 'de']);
      expect(de.stdout).toMatch(/Unvollständige Belichtungsreihen auf dem Server \(1\):\n\s+kitchen g003: 2 von 3 Bildern/);
      const json = await env.run(['upload', shoot, '--order', 'ORD-1', '--json']);
      const summary = json.events.find((e) => e.event === 'summary') as { server_check: { incomplete_stacks: unknown[] } };
      expect(summary.server_check.incomplete_stacks).toEqual([
        { order_id: 'ORD-1', room_type: 'kitchen', room_label: 'Küche', stack_id: 'g003', frames_registered: 2, frames_declared: 3 },
      ]);
      const receipt = await env.run(['stacks', '--order', 'ORD-1']);
      expect(receipt.stdout).toMatch(/kitchen\s+Küche\s+g003\s+2\/3\s+incomplete\s+-2 0/);
    } finally {
      env.cleanup();
      await small.close();
    }
  }, 120_000);
});

describe('--dry-run per stack', () => {
  it('room folder, frames, cameras, EV pattern; warns on mixed cameras, a long span, a repeated EV (en, de, --json)', async () => {
    const shoot = path.join(root, 'shootD');
    bracket(path.join(shoot, 'Wohnzimmer', 'Stack 1'), '111', '09:00', [-2, 0, 2]);
    bracket(path.join(shoot, 'Wohnzimmer', 'Stack 1'), '444', '09:10', [-2, 0, 2]);
    bracket(path.join(shoot, 'Bad', 'Stack 1'), '111', '09:20', [-2, 0, 2]);
    const en = await cli.run(['upload', shoot, '--order', 'ORD-S3', '--dry-run']);
    expect(en.code, en.stderr).toBe(0);
    expect(en.stdout).toMatch(/livingroom\s+Wohnzimmer\s+g001\s+6\s+1\.2 MB Canon EOS R5 #111, Can[^\n]*? -2 0 \+2 -2 0 \+2\s+\(!\)/);
    expect(en.stdout).toMatch(/bathroom\s+Bad\s+g001\s+3 .*Canon EOS R5 #111\s+-2 0 \+2$/m);
    expect(en.stdout).toMatch(/Check these stacks \(1\):/);
    expect(en.stdout).toMatch(/livingroom g001 \(Wohnzimmer\): frames of 2 cameras in one stack \(Canon EOS R5 #111, Canon EOS R5 #444\)/);
    expect(en.stdout).toMatch(/livingroom g001 \(Wohnzimmer\): the frames span 10m 0?2s \(more than 3m/);
    expect(en.stdout).toMatch(/EV -2, 0, \+2 appears more than once \(-2 0 \+2 -2 0 \+2\)/);
    const de = await cli.run(['upload', shoot, '--order', 'ORD-S3', '--dry-run', '--lang', 'de']);
    expect(de.stdout).toMatch(/Bilder von 2 Kameras in einer Reihe/);
    expect(de.stdout).toMatch(/kommt mehrfach vor/);
    const json = await cli.run(['upload', shoot, '--order', 'ORD-S3', '--dry-run', '--json']);
    const rows = json.events.filter((e) => e.event === 'plan_stack');
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.room_type === 'livingroom')).toMatchObject({
      room_label: 'Wohnzimmer',
      stack_id: 'g001',
      files: 6,
      cameras: ['Canon EOS R5 #111', 'Canon EOS R5 #444'],
      ev: [-2, 0, 2, -2, 0, 2],
      warnings: ['MIXED_CAMERAS', 'LONG_SPAN', 'EV_REPEATED'],
    });
    expect(rows.find((r) => r.room_type === 'bathroom')).toMatchObject({ warnings: [] });
    expect((await files('ORD-S3'))).toEqual([]);
  }, 60_000);
});
