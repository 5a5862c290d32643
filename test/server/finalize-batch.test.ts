/**
 * SPEC v2 "POST /api/uploads/finalize-batch" (issue 12 item 5): 50 items of which 3 are bad → 47
 * registered and 3 precise errors, in order; the whole-request checks (auth, size of the batch); the
 * single finalize still answers the same (the code is shared). Issue 15: `closing_check` brings each named
 * order's file ids and stacks, read after the batch's rows, or ORDER_FORBIDDEN for an order not the caller's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ALICE, api, BOB, finalize, put, randomBytes, sha256 } from './_client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0, persist: false });
});
afterAll(async () => {
  await s?.close();
});

type Upload = { signed_url: string; object_key: string; headers: Record<string, string> };
type Result = { file_id?: string; status?: string; error?: { code: string; message: string; details?: Record<string, unknown> } };

describe('POST /api/uploads/finalize-batch', () => {
  it('50 items, 3 bad (unknown key, never uploaded, wrong checksum): 47 registered, 3 precise errors in place', async () => {
    const files = Array.from({ length: 50 }, (_, n) => randomBytes(200 + n));
    const b = await api(s.url, 'POST', '/api/uploads/intents', ALICE, {
      order_id: 'ORD-1',
      files: files.map((f, n) => ({ filename: `B${n}.jpg`, mime: 'image/jpeg', bytes: f.length, checksum: sha256(f), room_type: 'kitchen' })),
    });
    expect(b.status).toBe(200);
    const uploads = (b.body as unknown as { uploads: Upload[] }).uploads;
    // 10 PUTs at a time, each tried again once when workerd closed its keep-alive connection under load
    const putOnce = async (n: number) => (await put(uploads[n].signed_url, uploads[n].headers, files[n]).catch(() => put(uploads[n].signed_url, uploads[n].headers, files[n]))).status;
    for (let i = 0; i < 50; i += 10) {
      const idx = Array.from({ length: 10 }, (_, k) => i + k).filter((n) => n !== 20);
      expect(await Promise.all(idx.map(putOnce))).toEqual(idx.map(() => 200));
    }
    const body = uploads.map((u, n) => ({ object_key: u.object_key, bytes: files[n].length, checksum: sha256(files[n]) }));
    body[10].object_key = 'user/alice/orders/ORD-1/raw/never-issued.jpg';
    body[30].checksum = sha256('something else');
    const r = await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: body });
    expect(r.status).toBe(200);
    const results = (r.body as unknown as { results: Result[] }).results;
    expect(results).toHaveLength(50);
    expect(results[10].error?.code).toBe('KEY_FORBIDDEN');
    expect(results[10].error?.details?.object_key).toBe(body[10].object_key);
    expect(results[20].error?.code).toBe('OBJECT_MISSING');
    expect(results[20].error?.details?.object_key).toBe(uploads[20].object_key);
    expect(results[30].error?.code).toBe('CHECKSUM_MISMATCH');
    expect(results[30].error?.details?.object_key).toBe(uploads[30].object_key);
    const ok = results.filter((x) => x.file_id);
    expect(ok).toHaveLength(47);
    for (const x of ok) expect(x.status).toBe('uploaded');

    const listed = await api(s.url, 'GET', '/api/orders/ORD-1/files?room_type=kitchen');
    expect(listed.body.files).toHaveLength(47);
    expect(new Set(listed.body.files.map((f) => f.file_id))).toEqual(new Set(ok.map((x) => x.file_id)));

    // idempotent: the same batch again gives the same ids; the single route answers the same too
    const again = await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: body.slice(0, 5) });
    expect((again.body as unknown as { results: Result[] }).results.map((x) => x.file_id)).toEqual(results.slice(0, 5).map((x) => x.file_id));
    const single = await finalize(s.url, body[0]);
    expect(single.body.file_id).toBe(results[0].file_id);
    // the bad one fixed alone succeeds: it was not blocked by the others
    expect((await put(uploads[20].signed_url, uploads[20].headers, files[20])).status).toBe(200);
    const fixed = await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: [body[20]] });
    expect((fixed.body as unknown as { results: Result[] }).results[0].file_id).toMatch(/^f_/);
  });

  it('whole-request errors: 401 without a token; 400 for no files, 51 files, or a non-object item (per item)', async () => {
    expect((await api(s.url, 'POST', '/api/uploads/finalize-batch', {}, { files: [] })).status).toBe(401);
    const empty = await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details?.field).toBe('files');
    const many = Array.from({ length: 51 }, () => ({ object_key: 'x', bytes: 1 }));
    expect((await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: many })).status).toBe(400);
    const odd = await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: [42, { bytes: 1 }] });
    const res = (odd.body as unknown as { results: Result[] }).results;
    expect(res[0].error?.details?.field).toBe('files');
    expect(res[1].error?.details?.field).toBe('object_key');
  });

  it('closing_check (issue 15): the orders\' ids (this batch\'s files among them) and stacks, as the listing and stacks routes answer; a foreign order is ORDER_FORBIDDEN; a bad list is 400', async () => {
    const files = [randomBytes(410), randomBytes(420)];
    const b = await api(s.url, 'POST', '/api/uploads/intents', ALICE, {
      order_id: 'ORD-2',
      files: files.map((f, n) => ({ filename: `C${n}.jpg`, mime: 'image/jpeg', bytes: f.length, checksum: sha256(f), room_type: 'hall', stack_id: 'g001', stack_key: 'closing-k1', stack_frames: 3 })),
    });
    const uploads = (b.body as unknown as { uploads: Upload[] }).uploads;
    for (const [n, u] of uploads.entries()) expect((await put(u.signed_url, u.headers, files[n])).status).toBe(200);
    const body = uploads.map((u, n) => ({ object_key: u.object_key, bytes: files[n].length, checksum: sha256(files[n]) }));
    const r = await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: body, closing_check: ['ORD-2', 'ORD-9'] });
    expect(r.status).toBe(200);
    type Closing = { order_id: string; file_ids?: string[]; next_cursor?: string | null; stacks?: unknown[]; error?: { code: string } };
    const { results, closing_check } = r.body as unknown as { results: Result[]; closing_check: Closing[] };
    expect(closing_check.map((e) => e.order_id)).toEqual(['ORD-2', 'ORD-9']);
    const [mine, foreign] = closing_check;
    for (const x of results) expect(mine.file_ids).toContain(x.file_id);
    const listed = await api(s.url, 'GET', '/api/orders/ORD-2/files?fields=file_id');
    expect(mine.file_ids).toEqual((listed.body.files as { file_id: string }[]).map((f) => f.file_id));
    expect(mine.next_cursor).toBeNull();
    expect(mine.stacks).toEqual(((await api(s.url, 'GET', '/api/orders/ORD-2/stacks')).body as unknown as { stacks: unknown[] }).stacks);
    expect(mine.stacks).toContainEqual(expect.objectContaining({ room_type: 'hall', frames_declared: 3, frames_registered: 2, complete: false }));
    expect(foreign).toEqual({ order_id: 'ORD-9', error: expect.objectContaining({ code: 'ORDER_FORBIDDEN' }) });
    // without closing_check the answer is as before
    expect(Object.keys((await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: body })).body)).toEqual(['results']);
    for (const bad of [[], Array.from({ length: 11 }, (_, n) => `ORD-${n}`), [42], 'ORD-2']) {
      const x = await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: body, closing_check: bad });
      expect(x.status, JSON.stringify(bad)).toBe(400);
      expect(String(x.body.error.details?.field)).toMatch(/^closing_check/);
    }
  });

  it("another user's keys are KEY_FORBIDDEN item by item", async () => {
    const bytes = randomBytes(99);
    const i = await api(s.url, 'POST', '/api/uploads/intent', ALICE, { filename: 'a.jpg', mime: 'image/jpeg', order_id: 'ORD-1', bytes: 99, checksum: sha256(bytes) });
    await put(i.body.signed_url, i.body.headers, bytes);
    const r = await api(s.url, 'POST', '/api/uploads/finalize-batch', BOB, { files: [{ object_key: i.body.object_key, bytes: 99 }] });
    expect((r.body as unknown as { results: Result[] }).results[0].error?.code).toBe('KEY_FORBIDDEN');
  });

  it('inside one batch (issue 15: one D1 batch for the rows): the same key twice → one file_id; the same content under two keys → one row, the redundant object removed; a `replaces` item in the middle supersedes', async () => {
    const same = randomBytes(310);
    const other = randomBytes(320);
    const intents = async (files: Uint8Array[], names: string[]) => {
      const b = await api(s.url, 'POST', '/api/uploads/intents', ALICE, {
        order_id: 'ORD-2',
        files: files.map((f, n) => ({ filename: names[n], mime: 'image/jpeg', bytes: f.length, checksum: sha256(f), room_type: 'bath' })),
      });
      const uploads = (b.body as unknown as { uploads: Upload[] }).uploads;
      for (const [n, u] of uploads.entries()) expect((await put(u.signed_url, u.headers, files[n])).status).toBe(200);
      return uploads.map((u, n) => ({ object_key: u.object_key, bytes: files[n].length, checksum: sha256(files[n]) }));
    };
    const [a, a2, b] = await intents([same, same, other], ['same-1.jpg', 'same-2.jpg', 'other.jpg']);
    const r = await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: [a, a2, a, b] });
    const ids = (r.body as unknown as { results: Result[] }).results.map((x) => x.file_id);
    expect(ids[0]).toMatch(/^f_/);
    expect(ids.slice(0, 3)).toEqual([ids[0], ids[0], ids[0]]);
    expect(ids[3]).toMatch(/^f_/);
    expect(ids[3]).not.toBe(ids[0]);
    const bucket = await s.mf.getR2Bucket('BUCKET');
    expect(await bucket.head(a2.object_key)).toBeNull();
    expect(await bucket.head(a.object_key)).not.toBeNull();

    const [c, v2, d] = await intents([randomBytes(330), randomBytes(340), randomBytes(350)], ['c.jpg', 'other-v2.jpg', 'd.jpg']);
    const r2 = await api(s.url, 'POST', '/api/uploads/finalize-batch', ALICE, { files: [c, { ...v2, replaces: ids[3] }, d] });
    const res2 = (r2.body as unknown as { results: Result[] }).results;
    expect(res2.map((x) => x.status)).toEqual(['uploaded', 'uploaded', 'uploaded']);
    const listed = await api(s.url, 'GET', '/api/orders/ORD-2/files?room_type=bath');
    const keys = (listed.body.files as { object_key: string }[]).map((f) => f.object_key).sort();
    expect(keys).toEqual([a.object_key, c.object_key, v2.object_key, d.object_key].sort());
  });
});
