/**
 * Authentication (SPEC "API": Bearer device token, X-Device-Token, session cookie; 401 otherwise)
 * and the read routes GET /api/me, GET /api/orders. Real Miniflare, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api } from './_client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0 });
});
afterAll(async () => {
  await s?.close();
});

describe('401 UNAUTHENTICATED', () => {
  for (const [what, headers] of [
    ['no credential', {}],
    ['unknown bearer token', { Authorization: 'Bearer tok-nobody' }],
    ['malformed Authorization', { Authorization: 'Basic YWxpY2U6eA==' }],
    ['unknown X-Device-Token', { 'X-Device-Token': 'nope' }],
    ['unknown session cookie', { Cookie: 'piximmo_session=nope' }],
  ] as const) {
    it(`for ${what}`, async () => {
      for (const [m, p] of [
        ['GET', '/api/me'],
        ['GET', '/api/orders'],
        ['GET', '/api/orders/ORD-1/files'],
        ['POST', '/api/uploads/intent'],
        ['POST', '/api/uploads/finalize'],
      ] as const) {
        const r = await api(s.url, m, p, headers, m === 'POST' ? {} : undefined);
        expect(r.status, `${m} ${p}`).toBe(401);
        expect(r.body.error.code).toBe('UNAUTHENTICATED');
        expect(typeof r.body.error.message).toBe('string');
      }
    });
  }
});

describe('accepted credentials', () => {
  it('Bearer device token', async () => {
    const r = await api(s.url, 'GET', '/api/me', { Authorization: 'Bearer tok-alice' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user_id: 'alice', name: 'Alice Demo', quota: { bytes_used: 0, bytes_limit: 50_000_000_000 } });
  });
  it('X-Device-Token header', async () => {
    const r = await api(s.url, 'GET', '/api/me', { 'X-Device-Token': 'tok-bob' });
    expect(r.body).toMatchObject({ user_id: 'bob', name: 'Bob Example', quota: { bytes_used: 0, bytes_limit: 50_000_000_000 } });
  });
  it('session cookie piximmo_session', async () => {
    const r = await api(s.url, 'GET', '/api/me', { Cookie: 'theme=dark; piximmo_session=sess-alice' });
    expect(r.status).toBe(200);
    expect(r.body.user_id).toBe('alice');
  });
});

describe('GET /api/orders', () => {
  it("lists the caller's orders only, with file counts", async () => {
    const a = await api(s.url, 'GET', '/api/orders');
    expect(a.body).toEqual({
      orders: [
        { id: 'ORD-1', shootcode: 'SH123', file_count: 0 },
        { id: 'ORD-2', shootcode: 'SH124', file_count: 0 },
      ],
    });
    const b = await api(s.url, 'GET', '/api/orders', { Authorization: 'Bearer tok-bob' });
    expect(b.body).toEqual({ orders: [{ id: 'ORD-9', shootcode: 'SH900', file_count: 0 }] });
  });
});

describe('errors', () => {
  it('unknown routes answer 404 in the error shape', async () => {
    const r = await api(s.url, 'GET', '/api/nope');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
  });
});
