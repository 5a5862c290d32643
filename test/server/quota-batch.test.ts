/**
 * SPEC v2 "Quotas" with batch intents (issue 15 "no per-file work that can be per-request"): a batch is judged
 * with one check of the whole batch when it fits, and one intent at a time when it does not
 * (src/server/domain/intent-batch.ts insertJudged) — the figures are the same as intents one by one: batches
 * racing at once never overshoot, and a batch at the edge keeps exactly what fits, in list order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api } from './_client.js';

const LIMIT = 10_000;
const CAROL = { Authorization: 'Bearer tok-carol' } as const;
const DAVE = { Authorization: 'Bearer tok-dave' } as const;
let s: TestServer;
beforeAll(async () => {
  const user = (id: string) => ({ id, name: id, device_token: `tok-${id}`, orders: [{ id: `ORD-${id}`, shootcode: `SH${id.toUpperCase()}` }] });
  s = await startTestServer({ intentRate: 0, quotaBytes: LIMIT, persist: false, seed: { users: [user('carol'), user('dave')] } });
});
afterAll(async () => {
  await s?.close();
});

type Item = { object_key?: string; error?: { code: string; details: Record<string, number> } };
const batch = async (h: Record<string, string>, order: string, sizes: number[], tag: string): Promise<Item[]> => {
  const r = await api(s.url, 'POST', '/api/uploads/intents', h, {
    order_id: order,
    files: sizes.map((bytes, i) => ({ filename: `${tag}-${i}.jpg`, mime: 'image/jpeg', bytes })),
  });
  expect(r.status).toBe(200);
  return (r.body as unknown as { uploads: Item[] }).uploads;
};
const used = async (h: Record<string, string>) => (await api(s.url, 'GET', '/api/me', h)).body.quota!.bytes_used;

describe('quota, batch intents', () => {
  it('five batches of 3 × 1,000 bytes at once: exactly 10 items pass, the rest are 413, nothing overshoots', async () => {
    const all = (await Promise.all([0, 1, 2, 3, 4].map((b) => batch(CAROL, 'ORD-carol', [1000, 1000, 1000], `b${b}`)))).flat();
    expect(all.filter((i) => i.object_key)).toHaveLength(10);
    const refused = all.filter((i) => i.error);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(r.error?.code).toBe('QUOTA_EXCEEDED');
      expect(r.error?.details.bytes_used).toBeLessThanOrEqual(LIMIT);
    }
    expect(await used(CAROL)).toBe(LIMIT);
  });

  it('a batch that fits whole passes whole; one past the edge keeps, in list order, what fits one at a time', async () => {
    expect((await batch(DAVE, 'ORD-dave', [4000, 4000], 'fit')).every((i) => i.object_key)).toBe(true);
    expect(await used(DAVE)).toBe(8000);
    const edge = await batch(DAVE, 'ORD-dave', [2500, 1000, 900, 200], 'edge');
    expect(edge.map((i) => (i.object_key ? 'ok' : i.error?.code))).toEqual(['QUOTA_EXCEEDED', 'ok', 'ok', 'QUOTA_EXCEEDED']);
    expect(edge[0].error?.details).toEqual({ bytes_used: 8000, bytes_limit: LIMIT, bytes_needed: 2500 });
    expect(await used(DAVE)).toBe(9900);
  });
});
