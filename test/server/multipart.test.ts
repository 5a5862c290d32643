/**
 * Multipart uploads (SPEC "Multipart") through real HTTP against Miniflare's R2: a 12 MiB file with a
 * 6 MiB threshold and 5 MiB parts → 3 part URLs (5 + 5 + 2 MiB), PUT each, complete, finalize (the
 * checksum is verified by hashing the object). Also fresh part URLs, abort, and error cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, BOB, finalize, intent, put, randomBytes, sha256 } from './_client.js';

const MiB = 1024 * 1024;
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0, multipartThreshold: 6 * MiB, partSize: 5 * MiB });
});
afterAll(async () => {
  await s?.close();
});

const body12 = randomBytes(12 * MiB);
const mp = (path: string, b: Record<string, unknown>, h?: Record<string, string>) => api(s.url, 'POST', `/api/uploads/multipart/${path}`, h, b);

async function startUpload(bytes: Uint8Array, over: Record<string, unknown> = {}) {
  const r = await intent(s.url, { filename: 'tour.mp4', mime: 'video/mp4', bytes: bytes.length, checksum: sha256(bytes), ...over });
  expect(r.status).toBe(200);
  return r.body;
}

async function putPart(url: string, bytes: Uint8Array, n: number, size = 5 * MiB) {
  const r = await put(url, {}, bytes.subarray((n - 1) * size, n * size));
  expect(r.status).toBe(200);
  return r.headers.get('etag')!;
}

describe('multipart upload', () => {
  it('intent → 3 part URLs → PUT parts (ETag) → complete → finalize → listed', async () => {
    const i = await startUpload(body12);
    expect(i.signed_url).toBeUndefined();
    expect(i.multipart.part_size).toBe(5 * MiB);
    expect(i.multipart.upload_id).toBeTypeOf('string');
    expect(i.multipart.parts.map((p) => p.part_number)).toEqual([1, 2, 3]);
    expect(i.object_key).toMatch(/_unsorted_s000_v\d+\.mp4$/);
    const etags = await Promise.all(i.multipart.parts.map((p) => putPart(p.url, body12, p.part_number)));
    for (const e of etags) expect(e).toMatch(/^"\S+"$/);
    // finalize before complete: nothing stored yet
    expect((await finalize(s.url, { object_key: i.object_key, bytes: body12.length, checksum: sha256(body12) })).status).toBe(409);
    const parts = etags.map((etag, k) => ({ part_number: k + 1, etag }));
    const done = await mp('complete', { object_key: i.object_key, upload_id: i.multipart.upload_id, parts });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ object_key: i.object_key, bytes: 12 * MiB });
    const again = await mp('complete', { object_key: i.object_key, upload_id: i.multipart.upload_id, parts });
    expect(again.status).toBe(200); // idempotent
    const f = await finalize(s.url, { object_key: i.object_key, bytes: body12.length, checksum: sha256(body12) });
    expect(f.status).toBe(200);
    const list = await api(s.url, 'GET', '/api/orders/ORD-1/files');
    expect(list.body.files.find((x) => x.file_id === f.body.file_id)?.checksum).toBe(sha256(body12));
    // the part URLs are dead once completed
    expect((await put(i.multipart.parts[0].url, {}, body12.subarray(0, 5 * MiB))).status).toBe(410);
  });

  it('finalize refuses a completed object whose bytes do not hash to the checksum (422)', async () => {
    const claimed = randomBytes(7 * MiB);
    const i = await startUpload(claimed, { order_id: 'ORD-2' });
    const other = randomBytes(7 * MiB); // different bytes, same size
    const etags = await Promise.all(i.multipart.parts.map((p) => putPart(p.url, other, p.part_number)));
    const parts = etags.map((etag, k) => ({ part_number: k + 1, etag }));
    expect((await mp('complete', { object_key: i.object_key, upload_id: i.multipart.upload_id, parts })).status).toBe(200);
    const f = await finalize(s.url, { object_key: i.object_key, bytes: claimed.length, checksum: sha256(claimed) });
    expect(f.status).toBe(422);
    expect(f.body.error.code).toBe('CHECKSUM_MISMATCH');
  });

  it('fresh part URLs for a resume; a part URL may be sent again; 413 for an oversized part', async () => {
    const i = await startUpload(body12, { room_type: 'resume', checksum: undefined });
    await putPart(i.multipart.parts[0].url, body12, 1);
    const e1 = await putPart(i.multipart.parts[0].url, body12, 1); // re-sent: R2 keeps the latest (new etag)
    const big = await put(i.multipart.parts[2].url, {}, randomBytes(2 * MiB + 1));
    expect(big.status).toBe(413);
    const fresh = await mp('parts', { object_key: i.object_key, upload_id: i.multipart.upload_id, part_numbers: [3, 2] });
    expect(fresh.status).toBe(200);
    expect(fresh.body.parts.map((p) => p.part_number)).toEqual([2, 3]);
    expect(Date.parse(fresh.body.expires_at)).toBeGreaterThan(Date.now());
    const e2 = await putPart(fresh.body.parts[0].url, body12, 2);
    const e3 = await putPart(fresh.body.parts[1].url, body12, 3);
    const done = await mp('complete', {
      object_key: i.object_key,
      upload_id: i.multipart.upload_id,
      parts: [
        { part_number: 1, etag: e1 },
        { part_number: 2, etag: e2 },
        { part_number: 3, etag: e3 },
      ],
    });
    expect(done.status).toBe(200);
  });

  it('abort → 204, then the upload is closed (parts 410, complete 410)', async () => {
    const i = await startUpload(body12, { room_type: 'abort', checksum: undefined });
    const e1 = await putPart(i.multipart.parts[0].url, body12, 1);
    const ab = await mp('abort', { object_key: i.object_key, upload_id: i.multipart.upload_id });
    expect(ab.status).toBe(204);
    expect((await mp('abort', { object_key: i.object_key, upload_id: i.multipart.upload_id })).status).toBe(204);
    const parts = await mp('parts', { object_key: i.object_key, upload_id: i.multipart.upload_id, part_numbers: [2] });
    expect(parts.status).toBe(410);
    const done = await mp('complete', { object_key: i.object_key, upload_id: i.multipart.upload_id, parts: [{ part_number: 1, etag: e1 }] });
    expect(done.status).toBe(410);
    expect((await put(i.multipart.parts[1].url, {}, body12.subarray(5 * MiB, 10 * MiB))).status).toBe(410);
  });

  it('errors: foreign key 403, wrong upload_id 400, bad part numbers 400, wrong etag 400', async () => {
    const i = await startUpload(body12, { room_type: 'errors', checksum: undefined });
    const base = { object_key: i.object_key, upload_id: i.multipart.upload_id };
    expect((await mp('parts', { ...base, part_numbers: [1] }, BOB)).body.error.code).toBe('KEY_FORBIDDEN');
    expect((await mp('abort', base, BOB)).status).toBe(403);
    const wrongId = await mp('parts', { ...base, upload_id: 'nope', part_numbers: [1] });
    expect(wrongId.status).toBe(400);
    expect(wrongId.body.error.details).toEqual({ field: 'upload_id' });
    expect((await mp('parts', { ...base, part_numbers: [4] })).body.error.details).toEqual({ field: 'part_numbers' });
    expect((await mp('parts', { ...base, part_numbers: [] })).status).toBe(400);
    const e = await Promise.all(i.multipart.parts.map((p) => putPart(p.url, body12, p.part_number)));
    const bad = await mp('complete', {
      ...base,
      parts: [
        { part_number: 1, etag: e[0] },
        { part_number: 2, etag: '"0000"' },
        { part_number: 3, etag: e[2] },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual({ field: 'parts' });
  });
});
