/**
 * SPEC v2 "Listing, with pages and URLs" and "Upload statistics" (issue 12 item 6, server side):
 * a 2,500-file order (rows seeded straight into D1) lists completely in 3 pages, in a stable order, none
 * twice; `status` / `room_type` filters; the v2 fields; `with_urls=1` adds working download URLs;
 * `stats` after a known run gives the known counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRecord, UploadStatsResponse } from '../../src/contract/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ALICE, api, BOB, intent, put, randomBytes, sha256, uploadFile } from './_client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0, persist: false });
});
afterAll(async () => {
  await s?.close();
});

type Page = { files: FileRecord[]; next_cursor: string | null };
const STATUSES = ['uploaded', 'processing', 'ready', 'failed', 'deleted'];

/**
 * 2,500 rows into ORD-2 in one statement: room kitchen for every 5th, else livingroom; status cycles
 * through STATUSES (n % 5 == 4 → deleted); 10 rows share each created_at (the id breaks the tie).
 */
async function seed2500(): Promise<void> {
  const db = await s.mf.getD1Database('DB');
  const status = STATUSES.map((st, i) => `WHEN ${i} THEN '${st}'`).join(' ');
  await db
    .prepare(
      `INSERT INTO files (id, user_id, order_id, object_key, filename, bytes, mime, checksum, room_type, stack_id,
         status, previews, room_label, stack_frames, created_at, updated_at)
       WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < 2499)
       SELECT 'f_seed' || printf('%05d', n), 'alice', 'ORD-2', 'user/alice/orders/ORD-2/raw/seed_' || n || '.jpg',
         'S' || n || '.jpg', 1000, 'image/jpeg', NULL,
         CASE WHEN n % 5 = 0 THEN 'kitchen' ELSE 'livingroom' END, 'g001',
         CASE n % 5 ${status} END,
         CASE WHEN n % 5 = 2 THEN '["small","medium","large","original"]' ELSE '[]' END,
         CASE WHEN n % 5 = 0 THEN 'Küche' ELSE 'Wohnzimmer' END, 3,
         strftime('%Y-%m-%dT%H:%M:%fZ', '2025-11-10 09:00:00', '+' || (n / 10) || ' seconds'),
         strftime('%Y-%m-%dT%H:%M:%fZ', '2025-11-10 09:00:00', '+' || (n / 10) || ' seconds')
       FROM seq`,
    )
    .run();
  const n = await db.prepare(`SELECT COUNT(*) AS n FROM files WHERE order_id = 'ORD-2'`).first<{ n: number }>();
  expect(n?.n).toBe(2500);
}

async function page(query: string, h = ALICE): Promise<Page> {
  const r = await api(s.url, 'GET', `/api/orders/ORD-2/files${query}`, h);
  expect(r.status, JSON.stringify(r.body).slice(0, 200)).toBe(200);
  return r.body as unknown as Page;
}

describe('listing', () => {
  it('2,500 files (2,000 listed, 500 deleted) list completely in pages, stable, none twice', async () => {
    await seed2500();
    // every state: 3 pages of 1000/1000/500
    const all: FileRecord[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const p: Page = await page(`?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      pages++;
      all.push(...p.files);
      if (!p.next_cursor) break;
      cursor = p.next_cursor;
    }
    // default listing leaves deleted files out: 2,000 in 2 pages; with them (status filter per state) 2,500
    expect(all).toHaveLength(2000);
    expect(pages).toBe(2);
    expect(new Set(all.map((f) => f.file_id)).size).toBe(2000);
    expect(all.every((f) => f.status !== 'deleted')).toBe(true);
    const again = await page('');
    expect(again.files.map((f) => f.file_id)).toEqual(all.slice(0, 1000).map((f) => f.file_id));
  });

  it('a 2,500-file order lists completely in 3 pages (default limit 1000)', async () => {
    const db = await s.mf.getD1Database('DB');
    await db.prepare(`UPDATE files SET status = 'ready' WHERE order_id = 'ORD-2' AND status = 'deleted'`).run();
    const sizes: number[] = [];
    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const p: Page = await page(cursor ? `?cursor=${encodeURIComponent(cursor)}` : '');
      sizes.push(p.files.length);
      for (const f of p.files) ids.add(f.file_id);
      cursor = p.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(ids.size).toBe(2500);
    // back to the seeded states (n % 5 == 4 → deleted) for the filter test
    await db.prepare(`UPDATE files SET status = 'deleted' WHERE order_id = 'ORD-2' AND CAST(substr(id, 7) AS INTEGER) % 5 = 4`).run();
  });

  it('filters by status and room_type (slugged), with the v2 fields', async () => {
    const kitchen = await page('?room_type=K%C3%BCche&limit=1000');
    expect(kitchen.files.length).toBe(0); // "Küche" slugs to "kuche", not "kitchen": room_type is the slug
    const k = await page('?room_type=kitchen');
    expect(k.files).toHaveLength(500); // n % 5 === 0 → status uploaded, never deleted
    expect(k.files[0]).toMatchObject({ room_type: 'kitchen', room_label: 'Küche', stack_frames: 3, previews: [], replaces: null, status: 'uploaded' });
    const ready = await page('?status=ready&limit=100');
    expect(ready.files).toHaveLength(100);
    expect(ready.files.every((f) => f.status === 'ready')).toBe(true);
    expect(ready.files[0].previews).toEqual(['small', 'medium', 'large', 'original']);
    expect(ready.next_cursor).not.toBeNull();
    const deleted = await page('?status=deleted&room_type=livingroom');
    expect(deleted.files).toHaveLength(500);
    for (const q of ['?status=gone', '?limit=0', '?limit=1001', '?cursor=garbage']) {
      const r = await api(s.url, 'GET', `/api/orders/ORD-2/files${q}`);
      expect(r.status, q).toBe(400);
    }
    expect((await api(s.url, 'GET', '/api/orders/ORD-2/files', BOB)).status).toBe(403);
  });

  it('with_urls=1 adds download_url to each file; the URL gives the bytes', async () => {
    const bytes = randomBytes(4321);
    const { fileId } = await uploadFile(s.url, bytes, { filename: 'url.jpg', order_id: 'ORD-1' });
    const plain = (await api(s.url, 'GET', '/api/orders/ORD-1/files')).body as unknown as Page;
    expect(plain.files[0].download_url).toBeUndefined();
    const r = (await api(s.url, 'GET', '/api/orders/ORD-1/files?with_urls=1')).body as unknown as Page;
    const f = r.files.find((x) => x.file_id === fileId)!;
    expect(f.download_url).toMatch(/\/download\//);
    const got = new Uint8Array(await (await fetch(f.download_url!)).arrayBuffer());
    expect(sha256(got)).toBe(sha256(bytes));
  });

  it('fields=file_id lists ids only (issue 15: the closing check), fields=status,bytes those and the id', async () => {
    const { fileId } = await uploadFile(s.url, randomBytes(999), { filename: 'ids.jpg', order_id: 'ORD-1' });
    const full = (await api(s.url, 'GET', '/api/orders/ORD-1/files')).body as unknown as Page;
    const ids = (await api(s.url, 'GET', '/api/orders/ORD-1/files?fields=file_id')).body as unknown as Page;
    expect(ids.files.map((f) => f.file_id)).toEqual(full.files.map((f) => f.file_id));
    expect(ids.files.every((f) => Object.keys(f).join() === 'file_id')).toBe(true);
    expect(ids.files.map((f) => f.file_id)).toContain(fileId);
    const two = (await api(s.url, 'GET', '/api/orders/ORD-1/files?fields=status,bytes&limit=1')).body as unknown as Page;
    expect(Object.keys(two.files[0]).sort()).toEqual(['bytes', 'file_id', 'status']);
    expect(two.next_cursor === null || typeof two.next_cursor === 'string').toBe(true);
  });

  it('fields=file_id (read as ids alone, with the order check in one D1 batch) pages, filters and refuses exactly as the whole listing', async () => {
    await uploadFile(s.url, randomBytes(777), { filename: 'ids2.jpg', order_id: 'ORD-1', room_type: 'kitchen' });
    const walk = async (query: string): Promise<string[]> => {
      const out: string[] = [];
      let cursor: string | null = null;
      do {
        const page = (await api(s.url, 'GET', `/api/orders/ORD-1/files?${query}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body as unknown as Page;
        out.push(...page.files.map((f) => f.file_id));
        cursor = page.next_cursor;
      } while (cursor);
      return out;
    };
    expect(await walk('fields=file_id')).toEqual(await walk('fields=status'));
    expect(await walk('fields=file_id&room_type=kitchen')).toEqual(await walk('room_type=kitchen'));
    expect(await walk('fields=file_id&status=deleted')).toEqual(await walk('status=deleted'));
    const foreign = await api(s.url, 'GET', '/api/orders/ORD-9/files?fields=file_id');
    expect(foreign.status).toBe(403);
    expect((foreign.body as unknown as { error: { code: string } }).error.code).toBe('ORDER_FORBIDDEN');
  });
});

describe('GET /api/uploads/stats', () => {
  it('after a known run: 5 intents, 3 finalized (2 JPEG, 1 PNG), 1 expired, bytes and median', async () => {
    const since = new Date().toISOString();
    const h = BOB;
    const up = async (n: number, mime: string, name: string) => uploadFile(s.url, randomBytes(n), { filename: name, mime, order_id: 'ORD-9' }, h);
    await up(1000, 'image/jpeg', 'a.jpg');
    await up(2000, 'image/jpeg', 'b.jpg');
    await up(3000, 'image/png', 'c.png');
    const open = await intent(s.url, { bytes: 10, order_id: 'ORD-9', filename: 'open.jpg' }, h);
    const stale = randomBytes(20);
    const gone = await intent(s.url, { bytes: 20, order_id: 'ORD-9', filename: 'stale.jpg', checksum: sha256(stale) }, h);
    await put(gone.body.signed_url, gone.body.headers, stale);
    const db = await s.mf.getD1Database('DB');
    await db.prepare(`UPDATE intents SET status = 'expired' WHERE object_key = ?1`).bind(gone.body.object_key).run();
    expect(open.status).toBe(200);

    const r = await api(s.url, 'GET', `/api/uploads/stats?since=${encodeURIComponent(since)}`, h);
    expect(r.status).toBe(200);
    const st = r.body as unknown as UploadStatsResponse;
    expect(st).toMatchObject({ intents: 5, finalized: 3, expired: 1, bytes: 6000, success_rate: 0.6, by_mime: { 'image/jpeg': 2, 'image/png': 1 } });
    expect(st.median_upload_ms).toBeGreaterThanOrEqual(0);
    expect(st.median_upload_ms).toBeLessThan(60_000);
    // later `since`: nothing; bad `since`: 400; Alice's figures are her own
    const later = (await api(s.url, 'GET', `/api/uploads/stats?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, h)).body as unknown as UploadStatsResponse;
    expect(later).toMatchObject({ intents: 0, finalized: 0, success_rate: 0, median_upload_ms: null, by_mime: {} });
    expect((await api(s.url, 'GET', '/api/uploads/stats?since=yesterday', h)).status).toBe(400);
    const alice = (await api(s.url, 'GET', `/api/uploads/stats?since=${encodeURIComponent(since)}`)).body as unknown as UploadStatsResponse;
    expect(alice.intents).toBe(0);
  });
});
