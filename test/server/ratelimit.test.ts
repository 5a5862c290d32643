/**
 * Intent rate limit (SPEC: 3 intents per second per user, 429 RATE_LIMITED with Retry-After), through
 * the IntentLimiter Durable Object. Real Miniflare, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BOB, intent } from './_client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(); // SPEC default: 3/s
});
afterAll(async () => {
  await s?.close();
});

describe('429 RATE_LIMITED', () => {
  it('5 intents at once: 3 pass, the rest get 429 with Retry-After >= 1; other users are unaffected', async () => {
    const rs = await Promise.all(Array.from({ length: 5 }, () => intent(s.url)));
    const ok = rs.filter((r) => r.status === 200);
    const limited = rs.filter((r) => r.status === 429);
    // Exactly 3 when the 5 arrive within 1/3 s (always, on an idle machine); allow one refill on a loaded one.
    expect(ok.length).toBeGreaterThanOrEqual(3);
    expect(ok.length).toBeLessThanOrEqual(4);
    expect(limited.length).toBe(5 - ok.length);
    for (const r of limited) {
      expect(r.body.error.code).toBe('RATE_LIMITED');
      const ra = r.headers.get('retry-after');
      expect(ra).toMatch(/^\d+$/);
      expect(Number(ra)).toBeGreaterThanOrEqual(1);
    }
    const bob = await intent(s.url, { order_id: 'ORD-9' }, BOB);
    expect(bob.status).toBe(200);
  });

  it('after Retry-After the user may go on', async () => {
    await new Promise((r) => setTimeout(r, 1000));
    expect((await intent(s.url)).status).toBe(200);
  });
});
