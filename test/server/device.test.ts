/**
 * Device login (SPEC "Device login", RFC 8628) and logout: code → pending → slow_down → approve on
 * the local page → token once → expired_token; deny → access_denied; expiry; logout revokes.
 * Real Miniflare, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api } from './_client.js';

let s: TestServer;
let short: TestServer;
beforeAll(async () => {
  [s, short] = await Promise.all([
    startTestServer({ devicePollInterval: 1 }),
    startTestServer({ devicePollInterval: 1, deviceCodeTtl: 1, persist: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([s?.close(), short?.close()]);
});

const code = (base: string) => api(base, 'POST', '/api/auth/device/code', {}, {});
const poll = (base: string, device_code: unknown) => api(base, 'POST', '/api/auth/device/token', {}, { device_code });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function decide(base: string, user_code: string, action: 'approve' | 'deny', user_id = 'alice') {
  const r = await fetch(`${base}/device`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_code, user_id, action }).toString(),
  });
  return { status: r.status, html: await r.text() };
}

describe('device authorization grant', () => {
  it('code → pending → slow_down → approve → token (once) → expired_token', async () => {
    const c = await code(s.url);
    expect(c.status).toBe(200);
    expect(c.body.device_code).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(c.body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(c.body.verification_uri).toBe(`${s.url}/device`);
    expect(c.body.verification_uri_complete).toBe(`${s.url}/device?user_code=${c.body.user_code}`);
    expect(c.body.interval).toBe(1);
    expect(c.body.expires_in).toBe(600);

    const p1 = await poll(s.url, c.body.device_code);
    expect(p1.status).toBe(400);
    expect(p1.body.error.code).toBe('authorization_pending');
    await sleep(1100); // polling at the interval is fine
    expect((await poll(s.url, c.body.device_code)).body.error.code).toBe('authorization_pending');
    const fast = await poll(s.url, c.body.device_code); // at once: too fast
    expect(fast.status).toBe(400);
    expect(fast.body.error.code).toBe('slow_down');
    expect(fast.body.error.details).toEqual({ interval: 6 });

    const pageRes = await fetch(c.body.verification_uri_complete!);
    const html = await pageRes.text();
    expect(pageRes.status).toBe(200);
    expect(html).toContain(c.body.user_code);
    expect(html).toContain('value="alice"');
    expect(html).toContain('value="bob"');

    const ok = await decide(s.url, c.body.user_code.toLowerCase().replace('-', ' '), 'approve', 'bob');
    expect(ok.status).toBe(200);
    expect(ok.html).toContain('Bob Example');
    expect((await decide(s.url, c.body.user_code, 'approve')).status).toBe(400); // already decided

    const t = await poll(s.url, c.body.device_code);
    expect(t.status).toBe(200);
    expect(t.body).toEqual({ device_token: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/), user_id: 'bob' });
    expect((await poll(s.url, c.body.device_code)).body.error.code).toBe('expired_token');

    const me = await api(s.url, 'GET', '/api/me', { Authorization: `Bearer ${t.body.device_token}` });
    expect(me.body).toMatchObject({ user_id: 'bob', name: 'Bob Example' }); // v2 adds quota (and malware_scan)
  });

  it('deny → access_denied', async () => {
    const c = await code(s.url);
    expect((await decide(s.url, c.body.user_code, 'deny')).status).toBe(200);
    const r = await poll(s.url, c.body.device_code);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('access_denied');
  });

  it('an expired code → expired_token, and can no longer be approved', async () => {
    const c = await code(short.url);
    expect(c.body.expires_in).toBe(1);
    await sleep(1200);
    expect((await poll(short.url, c.body.device_code)).body.error.code).toBe('expired_token');
    expect((await decide(short.url, c.body.user_code, 'approve')).status).toBe(400);
  });

  it('unknown device_code → expired_token; missing → 400 VALIDATION_FAILED; form bodies work', async () => {
    expect((await poll(s.url, 'nope')).body.error.code).toBe('expired_token');
    const missing = await poll(s.url, undefined);
    expect(missing.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'device_code' } });
    const c = await code(s.url);
    const form = await fetch(`${s.url}/api/auth/device/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: c.body.device_code }).toString(),
    });
    expect(((await form.json()) as { error: { code: string } }).error.code).toBe('authorization_pending');
  });

  it('approving for an unknown user is refused', async () => {
    const c = await code(s.url);
    expect((await decide(s.url, c.body.user_code, 'approve', 'mallory')).status).toBe(400);
    expect((await poll(s.url, c.body.device_code)).body.error.code).toBe('authorization_pending');
  });
});

describe('POST /api/auth/logout', () => {
  it('revokes the caller’s token: afterwards 401; other credentials unaffected', async () => {
    const c = await code(s.url);
    await decide(s.url, c.body.user_code, 'approve', 'alice');
    const token = (await poll(s.url, c.body.device_code)).body.device_token;
    const auth = { Authorization: `Bearer ${token}` };
    expect((await api(s.url, 'GET', '/api/me', auth)).status).toBe(200);
    expect((await api(s.url, 'POST', '/api/auth/logout', auth)).status).toBe(204);
    const after = await api(s.url, 'GET', '/api/me', auth);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHENTICATED');
    expect((await api(s.url, 'POST', '/api/auth/logout', auth)).status).toBe(401);
    expect((await api(s.url, 'GET', '/api/me', { Authorization: 'Bearer tok-alice' })).status).toBe(200);
  });

  it('logs out a session cookie', async () => {
    const cookie = { Cookie: 'piximmo_session=sess-bob' };
    // A cookie-authenticated write needs the page's own Origin (CSRF check, SPEC "The web uploader").
    expect((await api(s.url, 'POST', '/api/auth/logout', { ...cookie, Origin: s.url })).status).toBe(204);
    expect((await api(s.url, 'GET', '/api/me', cookie)).status).toBe(401);
    expect((await api(s.url, 'GET', '/api/me', { Authorization: 'Bearer tok-bob' })).status).toBe(200);
  });
});
