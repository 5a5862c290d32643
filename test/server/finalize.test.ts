/**
 * POST /api/uploads/finalize and GET /api/orders/:id/files (SPEC): ownership (403 KEY_FORBIDDEN),
 * object presence and size (409), checksum agreement (422), idempotence, concurrency, listing.
 * Real Miniflare, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, BOB, finalize, intent, put, randomBytes, sha256, uploadFile } from './_client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0 });
});
afterAll(async () => {
  await s?.close();
});

/** intent + PUT, no finalize. */
async function uploaded(bytes: Uint8Array, over: Record<string, unknown> = {}) {
  const i = await intent(s.url, { bytes: bytes.length, checksum: sha256(bytes), ...over });
  expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
  return i.body.object_key;
}

describe('403 KEY_FORBIDDEN', () => {
  it("bob finalizing alice's key", async () => {
    const bytes = randomBytes(100);
    const key = await uploaded(bytes);
    const r = await finalize(s.url, { object_key: key, bytes: 100, checksum: sha256(bytes) }, BOB);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('KEY_FORBIDDEN');
  });
  it('a key never issued (client-built path)', async () => {
    const r = await finalize(s.url, { object_key: 'user/alice/orders/ORD-1/raw/mine.jpg', bytes: 1, checksum: sha256('x') });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('KEY_FORBIDDEN');
  });
});

describe('409 OBJECT_MISSING', () => {
  it('finalize before the PUT', async () => {
    const i = await intent(s.url, { bytes: 10 });
    const r = await finalize(s.url, { object_key: i.body.object_key, bytes: 10, checksum: sha256('0123456789') });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('OBJECT_MISSING');
  });
  it('size differs from the stored object', async () => {
    const bytes = randomBytes(50);
    const key = await uploaded(bytes);
    const r = await finalize(s.url, { object_key: key, bytes: 51, checksum: sha256(bytes) });
    expect(r.status).toBe(409);
    expect(r.body.error.details).toMatchObject({ expected_bytes: 50, stored_bytes: 50, finalize_bytes: 51 });
  });
});

describe('422 CHECKSUM_MISMATCH', () => {
  it('checksum at finalize differs from the one at intent', async () => {
    const bytes = randomBytes(64);
    const key = await uploaded(bytes);
    const r = await finalize(s.url, { object_key: key, bytes: 64, checksum: sha256('other') });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('CHECKSUM_MISMATCH');
  });
  it('intent without checksum: the stored bytes are hashed at finalize', async () => {
    const bytes = randomBytes(64);
    const i = await intent(s.url, { bytes: 64 });
    expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
    const bad = await finalize(s.url, { object_key: i.body.object_key, bytes: 64, checksum: sha256('other') });
    expect(bad.status).toBe(422);
    const ok = await finalize(s.url, { object_key: i.body.object_key, bytes: 64, checksum: sha256(bytes) });
    expect(ok.status).toBe(200);
  });
});

describe('idempotence and concurrency', () => {
  it('finalize twice → the same file_id', async () => {
    const bytes = randomBytes(300);
    const key = await uploaded(bytes);
    const body = { object_key: key, bytes: 300, checksum: sha256(bytes), exif_meta: { make: 'Canon', iso: 100 } };
    const a = await finalize(s.url, body);
    const b = await finalize(s.url, body);
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ file_id: expect.any(String), status: 'uploaded' });
    expect(b.body.file_id).toBe(a.body.file_id);
  });
  it('two concurrent finalizes → one row', async () => {
    const bytes = randomBytes(400);
    const key = await uploaded(bytes, { order_id: 'ORD-2' });
    const body = { object_key: key, bytes: 400, checksum: sha256(bytes) };
    const rs = await Promise.all([finalize(s.url, body), finalize(s.url, body), finalize(s.url, body)]);
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(rs.map((r) => r.body.file_id)).size).toBe(1);
    const list = await api(s.url, 'GET', '/api/orders/ORD-2/files');
    expect(list.body.files.filter((f) => f.object_key === key)).toHaveLength(1);
  });
});

describe('GET /api/orders/:id/files', () => {
  it('lists finalized files with their fields; an intent without finalize never shows', async () => {
    const bytes = randomBytes(1234);
    const { fileId, intent: done } = await uploadFile(s.url, bytes, {
      order_id: 'ORD-2',
      filename: 'IMG_7.HEIC',
      mime: 'image/heic',
      room_type: 'Küche',
      stack_id: 'g007',
    });
    await finalize(s.url, { object_key: done.object_key, bytes: 1234, checksum: sha256(bytes), exif_meta: { make: 'Apple', focal: 26 } });
    const pendingKey = await uploaded(randomBytes(10), { order_id: 'ORD-2' }); // PUT but no finalize
    const r = await api(s.url, 'GET', '/api/orders/ORD-2/files');
    expect(r.status).toBe(200);
    // status_reason is absent unless processing gave one (random bytes named .HEIC may end failed DECODE_FAILED)
    const { status_reason, ...f } = r.body.files.find((x) => x.file_id === fileId)!;
    expect(status_reason === undefined || typeof status_reason === 'string').toBe(true);
    expect(f).toEqual({
      file_id: fileId,
      object_key: done.object_key,
      filename: 'IMG_7.HEIC',
      bytes: 1234,
      mime: 'image/heic',
      checksum: sha256(bytes),
      room_type: 'kueche',
      stack_id: 'g007',
      // SPEC v2: processing (scan, previews) may already have picked the file up
      status: expect.stringMatching(/^(uploaded|processing|ready|failed)$/),
      exif_meta: { make: 'Apple', focal: 26 },
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      previews: expect.any(Array),
      replaces: null,
      room_label: null,
      stack_frames: null,
    });
    expect(r.body.files.some((x) => x.object_key === pendingKey)).toBe(false);
    const orders = await api(s.url, 'GET', '/api/orders');
    expect(orders.body.orders.find((o) => o.id === 'ORD-2')?.file_count).toBe(r.body.files.length);
  });
  it('403 ORDER_FORBIDDEN for a foreign or unknown order', async () => {
    for (const id of ['ORD-9', 'ORD-404']) {
      const r = await api(s.url, 'GET', `/api/orders/${id}/files`);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('ORDER_FORBIDDEN');
    }
  });
});

describe('one row per content and order', () => {
  // A killed run's finalize can complete on the server after the re-run asked a fresh intent for the same
  // file (no existing file yet, so a new key): both finalizes must end in one listed file, not two.
  it('two keys with the same SHA-256, both finalized: one file_id, one row, the redundant object removed', async () => {
    const bytes = randomBytes(300);
    const a = await uploaded(bytes, { order_id: 'ORD-2', filename: 'same-a.jpg' });
    const b = await uploaded(bytes, { order_id: 'ORD-2', filename: 'same-b.jpg' });
    expect(a).not.toBe(b);
    const [ra, rb] = await Promise.all([
      finalize(s.url, { object_key: a, bytes: 300, checksum: sha256(bytes) }),
      finalize(s.url, { object_key: b, bytes: 300, checksum: sha256(bytes) }),
    ]);
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    expect(ra.body.file_id).toBe(rb.body.file_id);
    const list = await api(s.url, 'GET', '/api/orders/ORD-2/files');
    const rows = (list.body.files as { checksum: string; object_key: string }[]).filter((f) => f.checksum === sha256(bytes));
    expect(rows).toHaveLength(1);
    const bucket = await s.mf.getR2Bucket('BUCKET');
    const redundant = rows[0]!.object_key === a ? b : a;
    expect(await bucket.head(redundant)).toBeNull();
    expect(await bucket.head(rows[0]!.object_key)).not.toBeNull();
  });
});
