/**
 * SPEC v2 on the real local server (Miniflare, real HTTP): stack identity (allocation of stack_id from
 * stack_key, race-safe; the object key and every answer carry it; GET /api/orders/:id/stacks), finalize's
 * `replaces`, and finalize bound to its intent (a short PUT and a partial multipart upload without checksum
 * are refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StacksResponse } from '../../src/contract/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ALICE, api, BOB, finalize, intent, put, randomBytes, sha256, uploadFile } from './_client.js';

const MiB = 1024 * 1024;
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0, multipartThreshold: 6 * MiB, partSize: 5 * MiB });
});
afterAll(async () => {
  await s?.close();
});

const stacksOf = async (order = 'ORD-1') => (await api<StacksResponse>(s.url, 'GET', `/api/orders/${order}/stacks`)).body.stacks;
const keyStack = (objectKey: string) => /_([a-z0-9-]+)_v\d+\.[a-z0-9]+$/.exec(objectKey)?.[1];

describe('stack identity: allocation', () => {
  it('same key → same id; another key asking for a taken id → next free gNNN; a free id is taken as asked', async () => {
    const room = 'bedroom';
    const a1 = await intent(s.url, { room_type: room, stack_id: 'g001', stack_key: 'key-A', stack_frames: 3, room_label: 'Schlafzimmer 1' });
    expect(a1.status).toBe(200);
    expect(a1.body.stack_id).toBe('g001');
    expect(keyStack(a1.body.object_key)).toBe('g001');
    const b1 = await intent(s.url, { room_type: room, stack_id: 'g001', stack_key: 'key-B', stack_frames: 3, room_label: 'Schlafzimmer 2' });
    expect(b1.body.stack_id).toBe('g002');
    expect(keyStack(b1.body.object_key)).toBe('g002');
    const a2 = await intent(s.url, { room_type: room, stack_id: 'g001', stack_key: 'key-A', stack_frames: 3 });
    expect(a2.body.stack_id).toBe('g001');
    const b2 = await intent(s.url, { room_type: room, stack_id: 'g001', stack_key: 'key-B', stack_frames: 3 });
    expect(b2.body.stack_id).toBe('g002');
    const c = await intent(s.url, { room_type: room, stack_id: 'g007', stack_key: 'key-C' });
    expect(c.body.stack_id).toBe('g007');
    const d = await intent(s.url, { room_type: room, stack_key: 'key-D' }); // no proposal: next free after the highest
    expect(d.body.stack_id).toBe('g008');
    // Another room type has its own ids; another order too.
    expect((await intent(s.url, { room_type: 'kitchen', stack_id: 'g001', stack_key: 'key-B' })).body.stack_id).toBe('g001');
    expect((await intent(s.url, { order_id: 'ORD-2', room_type: room, stack_id: 'g001', stack_key: 'key-B' })).body.stack_id).toBe('g001');
    // Without stack_key: the v1 rule (the client's id as given).
    expect((await intent(s.url, { room_type: room, stack_id: 'g001' })).body.stack_id).toBe('g001');
  });

  it('race-safe: 12 intents at once for 12 keys asking for g001 get 12 distinct ids; 8 at once for one key get one', async () => {
    const many = await Promise.all(
      Array.from({ length: 12 }, (_, i) => intent(s.url, { room_type: 'race', stack_id: 'g001', stack_key: `race-${i}` })),
    );
    const ids = many.map((r) => r.body.stack_id);
    expect(many.every((r) => r.status === 200)).toBe(true);
    expect(new Set(ids).size).toBe(12);
    const same = await Promise.all(Array.from({ length: 8 }, () => intent(s.url, { room_type: 'race2', stack_id: 'g005', stack_key: 'one' })));
    expect(new Set(same.map((r) => r.body.stack_id))).toEqual(new Set(['g005']));
  });

  it('race-safe in batches (issue 15: stacks written with the key counters): 8 batches at once, each a key of its own twice and one shared key, all asking for g001 — one id per key, every file under its own stack, keys unique', async () => {
    const f = (n: number, j: number, stack_key: string) => ({ filename: `R${n}_${j}.JPG`, mime: 'image/jpeg', bytes: 10, room_type: 'race3', stack_id: 'g001', stack_key, stack_frames: 2 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, n) => api(s.url, 'POST', '/api/uploads/intents', ALICE, { order_id: 'ORD-1', files: [f(n, 1, `own-${n}`), f(n, 2, 'shared'), f(n, 3, `own-${n}`)] })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    const ups = answers.map((r) => (r.body as unknown as { uploads: { stack_id: string; object_key: string }[] }).uploads);
    for (const u of ups.flat()) expect(keyStack(u.object_key)).toBe(u.stack_id);
    const own = ups.map((u) => u[0].stack_id);
    expect(ups.map((u) => u[2].stack_id)).toEqual(own); // the same key twice in one batch: one id
    expect(new Set(ups.map((u) => u[1].stack_id)).size).toBe(1); // the shared key: one id across the batches
    expect(new Set([...own, ups[0][1].stack_id]).size).toBe(9); // nine keys, nine ids
    expect(new Set(ups.flat().map((u) => u.object_key)).size).toBe(24);
    const listed = (await stacksOf()).filter((x) => x.room_type === 'race3');
    expect(listed.map((x) => x.stack_id).sort()).toEqual([...new Set([...own, ups[0][1].stack_id])].sort());
  });

  it('batch intents allocate per item, and each item carries its stack_id', async () => {
    const files = [
      { filename: 'A1.JPG', mime: 'image/jpeg', bytes: 10, room_type: 'terrace', stack_id: 'g001', stack_key: 'T-1', stack_frames: 2, room_label: 'Terrasse' },
      { filename: 'B1.JPG', mime: 'image/jpeg', bytes: 10, room_type: 'terrace', stack_id: 'g001', stack_key: 'T-2', stack_frames: 2, room_label: 'Terrasse' },
      { filename: 'A2.JPG', mime: 'image/jpeg', bytes: 10, room_type: 'terrace', stack_id: 'g001', stack_key: 'T-1', stack_frames: 2, room_label: 'Terrasse' },
    ];
    const r = await api(s.url, 'POST', '/api/uploads/intents', ALICE, { order_id: 'ORD-1', files });
    expect(r.status).toBe(200);
    const ups = (r.body as unknown as { uploads: { stack_id: string; object_key: string }[] }).uploads;
    expect(ups.map((u) => u.stack_id)).toEqual(['g001', 'g002', 'g001']);
    expect(ups.map((u) => keyStack(u.object_key))).toEqual(['g001', 'g002', 'g001']);
  });

  it('a later batch (issue 15: all claims of a batch allocated together): a known key keeps its id and its frames are updated; a new key asking for a taken id gets the next free one', async () => {
    const f = (filename: string, stack_key: string, stack_frames: number) => ({ filename, mime: 'image/jpeg', bytes: 10, room_type: 'garden', stack_id: 'g001', stack_key, stack_frames });
    const first = await api(s.url, 'POST', '/api/uploads/intents', ALICE, { order_id: 'ORD-2', files: [f('G1.JPG', 'G-1', 2)] });
    expect((first.body as unknown as { uploads: { stack_id: string }[] }).uploads[0].stack_id).toBe('g001');
    const r = await api(s.url, 'POST', '/api/uploads/intents', ALICE, { order_id: 'ORD-2', files: [f('G2.JPG', 'G-1', 3), f('H1.JPG', 'G-2', 1), f('G3.JPG', 'G-1', 3)] });
    const ups = (r.body as unknown as { uploads: { stack_id: string; object_key: string }[] }).uploads;
    expect(ups.map((u) => u.stack_id)).toEqual(['g001', 'g002', 'g001']);
    expect(new Set(ups.map((u) => u.object_key)).size).toBe(3);
    const stacks = await api(s.url, 'GET', '/api/orders/ORD-2/stacks', ALICE);
    const garden = (stacks.body as unknown as { stacks: { room_type: string; stack_id: string; frames_declared: number }[] }).stacks.filter((x) => x.room_type === 'garden');
    expect(garden.map((x) => [x.stack_id, x.frames_declared])).toEqual([['g001', 3], ['g002', 1]]);
  });

  it('validation: stack_frames 0, a 129-char key, a label with a bidi control → 400 naming the field', async () => {
    for (const [over, field] of [
      [{ stack_key: 'k', stack_frames: 0 }, 'stack_frames'],
      [{ stack_key: 'k'.repeat(129) }, 'stack_key'],
      [{ stack_key: 'k', room_label: 'Bad\u202e' }, 'room_label'],
    ] as const) {
      const r = await intent(s.url, over);
      expect(r.status).toBe(400);
      expect(r.body.error.details).toMatchObject({ field });
    }
  });
});

describe('GET /api/orders/:id/stacks', () => {
  it('frames declared and registered, EV from exif_meta, complete; an existing file answers with its stack_id', async () => {
    const evs = [-2, 0, 2];
    const frames = evs.map(() => randomBytes(300));
    for (const [i, bytes] of frames.slice(0, 2).entries()) {
      const checksum = sha256(bytes);
      const r = await intent(s.url, { order_id: 'ORD-2', filename: `K${i}.JPG`, bytes: bytes.length, checksum, room_type: 'kitchen', stack_id: 'g003', stack_key: 'K', stack_frames: 3, room_label: 'Küche' });
      expect((await put(r.body.signed_url, r.body.headers, bytes)).status).toBe(200);
      const f = await finalize(s.url, { object_key: r.body.object_key, bytes: bytes.length, checksum, exif_meta: { ev: evs[i], captured_at: `2025-01-01T10:00:0${i}` } });
      expect(f.status).toBe(200);
    }
    let list = await stacksOf('ORD-2');
    const kitchen = list.find((x) => x.room_type === 'kitchen' && x.stack_id === 'g003')!;
    expect(kitchen).toEqual({ room_type: 'kitchen', room_label: 'Küche', stack_id: 'g003', frames_declared: 3, frames_registered: 2, ev: [-2, 0], complete: false });
    const again = await intent(s.url, { order_id: 'ORD-2', filename: 'K0.JPG', bytes: 300, checksum: sha256(frames[0]), room_type: 'kitchen', stack_id: 'g001', stack_key: 'other' });
    expect(again.body.existing_file_id).toBeTypeOf('string');
    expect(again.body.stack_id).toBe('g003');
    await uploadFile(s.url, frames[2], { order_id: 'ORD-2', filename: 'K2.JPG', room_type: 'kitchen', stack_id: 'g003', stack_key: 'K', stack_frames: 3 });
    list = await stacksOf('ORD-2');
    expect(list.find((x) => x.stack_id === 'g003' && x.room_type === 'kitchen')).toMatchObject({ frames_registered: 3, complete: true });
    expect((await api(s.url, 'GET', '/api/orders/ORD-2/stacks', BOB)).status).toBe(403);
  });
});

describe('finalize replaces', () => {
  it('the new file supersedes the old: old row superseded, listing shows the latest only', async () => {
    const v1 = await uploadFile(s.url, randomBytes(200), { order_id: 'ORD-2', filename: 'EDIT.JPG', room_type: 'replace' });
    const v2bytes = randomBytes(220);
    const i = await intent(s.url, { order_id: 'ORD-2', filename: 'EDIT.JPG', room_type: 'replace', bytes: 220, checksum: sha256(v2bytes) });
    await put(i.body.signed_url, i.body.headers, v2bytes);
    const body = { object_key: i.body.object_key, bytes: 220, checksum: sha256(v2bytes), replaces: v1.fileId };
    const f = await finalize(s.url, body);
    expect(f.status).toBe(200);
    expect((await finalize(s.url, body)).body.file_id).toBe(f.body.file_id); // idempotent
    const files = (await api(s.url, 'GET', '/api/orders/ORD-2/files')).body.files.filter((x) => x.filename === 'EDIT.JPG');
    expect(files.map((x) => x.file_id)).toEqual([f.body.file_id]);
    expect(files[0].replaces).toBe(v1.fileId);
    // v1's content is no longer "already in the order".
    const v3 = randomBytes(10);
    const i3 = await intent(s.url, { order_id: 'ORD-2', filename: 'EDIT.JPG', room_type: 'replace', bytes: 10, checksum: sha256(v3) });
    await put(i3.body.signed_url, i3.body.headers, v3);
    const taken = await finalize(s.url, { object_key: i3.body.object_key, bytes: 10, checksum: sha256(v3), replaces: v1.fileId });
    expect(taken.status).toBe(400);
    expect(taken.body.error.details).toMatchObject({ field: 'replaces' });
  });

  it('replaces a file of another order, of another user, or unknown → 400 field replaces', async () => {
    const other = await uploadFile(s.url, randomBytes(120), { order_id: 'ORD-1', filename: 'O.JPG' });
    const bobs = await uploadFile(s.url, randomBytes(130), { order_id: 'ORD-9', filename: 'B.JPG' }, BOB);
    for (const replaces of [other.fileId, bobs.fileId, 'f_nope']) {
      const bytes = randomBytes(90);
      const i = await intent(s.url, { order_id: 'ORD-2', bytes: 90, checksum: sha256(bytes) });
      await put(i.body.signed_url, i.body.headers, bytes);
      const r = await finalize(s.url, { object_key: i.body.object_key, bytes: 90, checksum: sha256(bytes), replaces });
      expect(r.status).toBe(400);
      expect(r.body.error.details).toMatchObject({ field: 'replaces' });
    }
  });
});

describe('finalize is bound to its intent (intents without checksum)', () => {
  it('a short PUT (600 of 1000 bytes) is refused at finalize: 409 OBJECT_MISSING, at either size', async () => {
    const i = await intent(s.url, { bytes: 1000, filename: 'SHORT.JPG' });
    const short = randomBytes(600);
    expect((await put(i.body.signed_url, i.body.headers, short)).status).toBe(200);
    for (const bytes of [600, 1000]) {
      const r = await finalize(s.url, { object_key: i.body.object_key, bytes });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('OBJECT_MISSING');
      expect(r.body.error.details).toMatchObject({ expected_bytes: 1000, stored_bytes: 600 });
    }
    expect((await api(s.url, 'GET', '/api/orders/ORD-1/files')).body.files.some((f) => f.filename === 'SHORT.JPG')).toBe(false);
  });

  it('a multipart upload completed with part 1 only is refused (400 naming the missing parts); finalize 409', async () => {
    const total = 12 * MiB;
    const i = await intent(s.url, { filename: 'PART.mp4', mime: 'video/mp4', bytes: total });
    expect(i.body.multipart.parts).toHaveLength(3);
    const p1 = await put(i.body.multipart.parts[0].url, {}, randomBytes(1024)); // a 1 KiB first part
    expect(p1.status).toBe(200);
    const done = await api(s.url, 'POST', '/api/uploads/multipart/complete', ALICE, {
      object_key: i.body.object_key,
      upload_id: i.body.multipart.upload_id,
      parts: [{ part_number: 1, etag: p1.headers.get('etag') }],
    });
    expect(done.status).toBe(400);
    expect(done.body.error.code).toBe('VALIDATION_FAILED');
    expect(done.body.error.details).toMatchObject({ field: 'parts', missing_parts: [2, 3], parts_expected: 3 });
    const f = await finalize(s.url, { object_key: i.body.object_key, bytes: 1024 });
    expect(f.status).toBe(409);
    expect(f.body.error.code).toBe('OBJECT_MISSING');
  });
});
