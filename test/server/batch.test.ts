/**
 * POST /api/uploads/intents — batch intent (issue 5; seeds/002 prepare-upload): up to 50 single-intent
 * bodies of one order → one answer per file, in order (single, multipart, existing_file_id or a
 * per-file error); whole-request 400/401/403. The rate-limit side (one batch = one token) is in
 * ratelimit.test.ts. Real Miniflare, real HTTP, R2 storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ALICE, api, BOB, finalize, intentBody, put, randomBytes, sha256, uploadFile } from './_client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0, maxBytes: 200 * 1024 * 1024, persist: false });
});
afterAll(async () => {
  await s?.close();
});

/** A BatchIntentItem (src/contract/api.ts) with every field optional, for field-by-field assertions. */
type Item = Partial<{ signed_url: string; object_key: string; headers: Record<string, string>; existing_file_id: string; multipart: { upload_id: string }; error: { code: string; message: string; details?: Record<string, unknown> } }>;

const batch = (body: unknown, headers: Record<string, string> = ALICE) =>
  api<{ uploads: Item[]; error: { code: string; details?: Record<string, unknown> } }>(s.url, 'POST', '/api/uploads/intents', headers, body);

const file = (over: Record<string, unknown> = {}) => {
  const { order_id: _o, ...rest } = intentBody(over);
  return rest;
};

describe('50 files in one call', () => {
  it('answers 50 single-PUT intents in order; versions ascend per stack in list order; the URLs work', async () => {
    const files = Array.from({ length: 50 }, (_, n) => file({ filename: `IMG_${n}.JPG`, bytes: 10 + n, stack_id: `g${n % 5}`, room_type: 'Küche' }));
    const t0 = Date.now();
    const r = await batch({ order_id: 'ORD-1', files });
    const ms = Date.now() - t0;
    expect(r.status).toBe(200);
    expect(r.body.uploads).toHaveLength(50);
    const keys = r.body.uploads.map((u) => u.object_key ?? '');
    expect(new Set(keys).size).toBe(50);
    for (const [n, u] of r.body.uploads.entries()) {
      expect(u.signed_url).toBeTruthy();
      expect(u.object_key).toMatch(new RegExp(`_kueche_g${n % 5}_v${Math.floor(n / 5) + 1}\\.jpg$`));
    }
    console.log(`batch of 50 intents: ${ms} ms`);
    const bytes = randomBytes(10);
    expect((await put(r.body.uploads[0].signed_url!, r.body.uploads[0].headers!, bytes)).status).toBe(200);
    expect((await finalize(s.url, { object_key: keys[0], bytes: 10, checksum: sha256(bytes) })).status).toBe(200);
  });
});

describe('whole-request errors', () => {
  it('400 VALIDATION_FAILED for 51 files, an empty list, files not a list, a missing order_id', async () => {
    const cases: [unknown, string][] = [
      [{ order_id: 'ORD-1', files: Array.from({ length: 51 }, () => file()) }, 'files'],
      [{ order_id: 'ORD-1', files: [] }, 'files'],
      [{ order_id: 'ORD-1', files: file() }, 'files'],
      [{ files: [file()] }, 'order_id'],
    ];
    for (const [body, field] of cases) {
      const r = await batch(body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details).toMatchObject({ field });
    }
  });

  it('401 without a token; 403 ORDER_FORBIDDEN for the whole batch on a foreign or unknown order (nothing issued)', async () => {
    expect((await batch({ order_id: 'ORD-1', files: [file()] }, {})).status).toBe(401);
    for (const order_id of ['ORD-9', 'ORD-404']) {
      const r = await batch({ order_id, files: [file(), file()] });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('ORDER_FORBIDDEN');
    }
    const bob = await batch({ order_id: 'ORD-9', files: [file()] }, BOB);
    expect(bob.body.uploads[0].object_key).toMatch(/_v1\.jpg$/); // nothing was issued for ORD-9 before
  });
});

describe('per-file answers', () => {
  it('mixed: single, 415, 413, 400 naming the field, foreign order_id, multipart, existing_file_id — in order', async () => {
    const done = randomBytes(33);
    const { fileId } = await uploadFile(s.url, done, { order_id: 'ORD-2', filename: 'done.jpg' });
    const r = await batch({
      order_id: 'ORD-2',
      files: [
        file({ filename: 'a.jpg' }),
        file({ filename: 'notes.txt', mime: 'text/plain' }),
        file({ filename: 'huge.jpg', bytes: 300 * 1024 * 1024 }),
        file({ filename: undefined }),
        { ...file({ filename: 'b.jpg' }), order_id: 'ORD-1' },
        { ...file({ filename: 'c.jpg' }), order_id: 'ORD-2' },
        file({ filename: 'tour.mp4', mime: 'video/mp4', bytes: 150 * 1024 * 1024 }),
        file({ filename: 'again.jpg', bytes: 33, checksum: sha256(done) }),
        'not an object',
      ],
    });
    expect(r.status).toBe(200);
    const u = r.body.uploads;
    expect(u).toHaveLength(9);
    expect(u[0].signed_url).toBeTruthy();
    expect(u[1].error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(u[2].error).toMatchObject({ code: 'FILE_TOO_LARGE', details: { max_bytes: 200 * 1024 * 1024 } });
    expect(u[3].error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'filename' } });
    expect(u[4].error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'order_id' } });
    expect(u[5].object_key).toMatch(/^user\/alice\/orders\/ORD-2\//);
    expect(u[6].multipart?.upload_id).toBeTruthy();
    expect(u[7]).toEqual({ existing_file_id: fileId, object_key: expect.stringMatching(/_v\d+\.jpg$/), stack_id: 's000' });
    expect(u[8].error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'files' } });
  });

  it('the same checksum twice in one batch: both get their own upload slot (dedupe sees finalized files only)', async () => {
    const bytes = randomBytes(77);
    const same = file({ filename: 'dup.jpg', bytes: 77, checksum: sha256(bytes) });
    const r = await batch({ order_id: 'ORD-1', files: [same, same] });
    const [a, b] = r.body.uploads;
    expect(a.signed_url).toBeTruthy();
    expect(b.signed_url).toBeTruthy();
    expect(a.object_key).not.toBe(b.object_key);
    // once one is finalized, later intents for that content get existing_file_id
    await put(a.signed_url!, a.headers!, bytes);
    const f = await finalize(s.url, { object_key: a.object_key, bytes: 77, checksum: sha256(bytes) });
    const later = await batch({ order_id: 'ORD-1', files: [same] });
    expect(later.body.uploads[0]).toEqual({ existing_file_id: f.body.file_id, object_key: a.object_key, stack_id: 's000' });
  });
});
