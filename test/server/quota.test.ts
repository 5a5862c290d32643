/**
 * SPEC v2 "Quotas" (issue 12 item 4, server side): used = listed files + open intents; an intent or a
 * batch item over the quota → 413 QUOTA_EXCEEDED with {bytes_used, bytes_limit, bytes_needed}; intents
 * sent at once cannot overshoot; deletes and intents interleaving never drive the figures below zero;
 * `GET /api/me` shows them. Quota of this server: 10,000 bytes (`quotaBytes`, the `--quota-bytes` flag).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ALICE, api, BOB, intent, randomBytes, uploadFile } from './_client.js';

const LIMIT = 10_000;
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0, quotaBytes: LIMIT, persist: false });
});
afterAll(async () => {
  await s?.close();
});

const me = async (h: Record<string, string> = ALICE) => (await api(s.url, 'GET', '/api/me', h)).body.quota!;

describe('quota', () => {
  it('GET /api/me starts at 0 of the limit', async () => {
    expect(await me(BOB)).toEqual({ bytes_used: 0, bytes_limit: LIMIT });
  });

  it('intents racing at once cannot overshoot: of 12 × 3,000 bytes sent together exactly 3 pass', async () => {
    const all = await Promise.all(Array.from({ length: 12 }, (_, n) => intent(s.url, { filename: `R${n}.jpg`, bytes: 3000, order_id: 'ORD-9' }, BOB)));
    const ok = all.filter((r) => r.status === 200);
    const refused = all.filter((r) => r.status === 413);
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(9);
    for (const r of refused) {
      expect(r.body.error.code).toBe('QUOTA_EXCEEDED');
      expect(r.body.error.details).toMatchObject({ bytes_limit: LIMIT, bytes_needed: 3000 });
      expect(r.body.error.details?.bytes_used as number).toBeLessThanOrEqual(LIMIT);
    }
    expect(await me(BOB)).toEqual({ bytes_used: 9000, bytes_limit: LIMIT });
    // pairs at once, again and again, at the edge: 1,000 bytes left → of two 600-byte intents one passes
    const pair = await Promise.all([intent(s.url, { bytes: 600, order_id: 'ORD-9' }, BOB), intent(s.url, { bytes: 600, order_id: 'ORD-9' }, BOB)]);
    expect(pair.map((r) => r.status).sort()).toEqual([200, 413]);
    expect((await me(BOB)).bytes_used).toBe(9600);
  });

  it('a batch item over the quota is a 413 item; the others pass', async () => {
    const before = (await me()).bytes_used;
    const b = await api(s.url, 'POST', '/api/uploads/intents', ALICE, {
      order_id: 'ORD-1',
      files: [
        { filename: 'a.jpg', mime: 'image/jpeg', bytes: 1000 },
        { filename: 'huge.jpg', mime: 'image/jpeg', bytes: LIMIT },
        { filename: 'c.jpg', mime: 'image/jpeg', bytes: 1000 },
      ],
    });
    const items = (b.body as unknown as { uploads: { object_key?: string; error?: { code: string; details: Record<string, number> } }[] }).uploads;
    expect(items[0].object_key).toBeTruthy();
    expect(items[1].error?.code).toBe('QUOTA_EXCEEDED');
    expect(items[1].error?.details).toEqual({ bytes_used: before + 1000, bytes_limit: LIMIT, bytes_needed: LIMIT });
    expect(items[2].object_key).toBeTruthy();
    expect((await me()).bytes_used).toBe(before + 2000);
  });

  it('deletes and intents interleaving: figures stay exact, never negative, never above the limit', async () => {
    const db = await s.mf.getD1Database('DB');
    await db.prepare(`UPDATE intents SET status = 'expired' WHERE user_id = 'alice'`).run(); // start clean
    expect((await me()).bytes_used).toBe(0);
    const files = [];
    for (let n = 0; n < 4; n++) files.push(await uploadFile(s.url, randomBytes(1500), { filename: `D${n}.jpg` }));
    expect((await me()).bytes_used).toBe(6000);
    const mixed = await Promise.all([
      ...files.map((f) => api(s.url, 'DELETE', `/api/files/${f.fileId}`)),
      ...files.map((f) => api(s.url, 'DELETE', `/api/files/${f.fileId}`)), // twice: counted once
      ...Array.from({ length: 6 }, (_, n) => intent(s.url, { filename: `I${n}.jpg`, bytes: 2000 })),
      me(),
      me(),
    ]);
    for (const q of mixed.slice(-2) as { bytes_used: number }[]) {
      expect(q.bytes_used).toBeGreaterThanOrEqual(0);
      expect(q.bytes_used).toBeLessThanOrEqual(LIMIT);
    }
    const passed = (mixed.slice(8, 14) as { status: number }[]).filter((r) => r.status === 200).length;
    expect(passed).toBeGreaterThanOrEqual(2); // at worst the deletes came after every intent
    expect((await me()).bytes_used).toBe(passed * 2000);
    const sum = await db
      .prepare(`SELECT COALESCE(SUM(bytes), 0) AS b FROM intents WHERE user_id = 'alice' AND status = 'pending'`)
      .first<{ b: number }>();
    expect(sum?.b).toBe(passed * 2000);
  });
});
