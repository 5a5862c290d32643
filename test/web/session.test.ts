/**
 * Issue 13, test 5 and the sign-in around the page — in a real browser (Chromium via playwright-core) and
 * by plain HTTP against the local server:
 * - /app signs in (a seeded user on the local server, or a device token) into an HttpOnly, SameSite=Strict
 *   session cookie (not Secure on http://127.0.0.1); sign-out revokes it;
 * - another user's order: the page says so (403);
 * - a cross-origin POST with the cookie (a form on another port of 127.0.0.1 — same site, so the browser
 *   sends the SameSite=Strict cookie) is refused 403 ORIGIN_FORBIDDEN; by HTTP: cookie writes with a foreign
 *   or missing Origin are refused, with the own Origin accepted, Bearer unaffected;
 * - a session that ends while the page is open → the next upload sends the browser to the sign-in page;
 * - English by Accept-Language and by the switch; seeded users are not offered when the setting is off.
 * Skips the browser parts with a message without /usr/bin/chromium.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING, chromiumAvailable } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, startRig, type WebRig } from './_page.js';

if (!chromiumAvailable) console.warn(CHROMIUM_MISSING);

const INTENT = { filename: 'a.jpg', mime: 'image/jpeg', order_id: 'ORD-1', bytes: 10 };

describe('cookie writes need the own Origin (HTTP)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ intentRate: 0 });
  });
  afterAll(async () => s?.close());

  const post = (headers: Record<string, string>) =>
    fetch(`${s.url}/api/uploads/intent`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(INTENT) });

  it('refuses a foreign or missing Origin, accepts the own one; Bearer needs none; GET needs none', async () => {
    const cookie = { Cookie: 'piximmo_session=sess-alice' };
    for (const origin of ['http://evil.example', 'http://127.0.0.1:1', 'null', undefined]) {
      const r = await post(origin === undefined ? cookie : { ...cookie, Origin: origin });
      expect(r.status, String(origin)).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('ORIGIN_FORBIDDEN');
    }
    expect((await post({ ...cookie, Origin: s.url })).status).toBe(200);
    expect((await post({ Authorization: 'Bearer tok-alice' })).status).toBe(200);
    expect((await post({ Authorization: 'Bearer tok-alice', Origin: 'http://evil.example' })).status).toBe(200);
    expect((await fetch(`${s.url}/api/orders/ORD-1/files`, { headers: cookie })).status).toBe(200);
    const del = await fetch(`${s.url}/api/auth/logout`, { method: 'POST', headers: { ...cookie, Origin: 'http://evil.example' } });
    expect(del.status).toBe(403);
  });

  it('a session signed in at /app expires after 14 days; housekeeping then removes it (seeded ones stay)', async () => {
    const login = await fetch(`${s.url}/app/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: s.url },
      body: 'user_id=bob',
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^piximmo_session=[\w-]{43}; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Strict$/);
    const cookie = { Cookie: setCookie.split(';')[0] };
    expect((await fetch(`${s.url}/api/me`, { headers: cookie })).status).toBe(200);
    const db = await s.mf.getD1Database('DB');
    const count = async () => (await db.prepare(`SELECT COUNT(*) AS n FROM auth_tokens WHERE kind = 'session'`).first<{ n: number }>())!.n;
    const before = await count();
    await s.runScheduled(new Date(Date.now() + 15 * 24 * 3600 * 1000));
    expect(await count()).toBe(before - 1);
    expect((await fetch(`${s.url}/api/me`, { headers: cookie })).status).toBe(401);
    expect((await fetch(`${s.url}/api/me`, { headers: { Cookie: 'piximmo_session=sess-alice' } })).status).toBe(200);
  });

  it('refuses a sign-in form posted from another origin (login CSRF)', async () => {
    const r = await fetch(`${s.url}/app/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://evil.example' },
      body: 'user_id=alice',
      redirect: 'manual',
    });
    expect(r.status).toBe(403);
    expect(r.headers.get('set-cookie')).toBeNull();
  });
});

describe.skipIf(!chromiumAvailable)('web sign-in, foreign orders and CSRF in the browser', () => {
  let rig: WebRig;
  let page: Page;
  let evil: http.Server;
  let evilUrl = '';
  let tmp: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'piximmo-web-session-'));
    rig = await startRig();
    page = await rig.browser.context.newPage();
    // Another origin on the same host (same site): a page that posts to the API with the user's cookie.
    evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><form id="f" method="post" enctype="text/plain"
        action="${rig.server.url}/api/uploads/intent"><input name='{"filename":"x.jpg","mime":"image/jpeg","order_id":"ORD-1","bytes":10,"x":"' value='"}'></form>
        <script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await rig?.close();
    await new Promise((r) => evil?.close(r));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('signs in into an HttpOnly SameSite=Strict cookie; the orders page lists the caller\'s orders', async () => {
    await signIn(page, rig.base);
    const cookie = (await rig.browser.context.cookies()).find((c) => c.name === 'piximmo_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000 + 24 * 3600);
    await expect(page.locator('[data-testid="user-name"]').textContent()).resolves.toBe('Alice Demo');
    await expect(page.locator('.order-link').allInnerTexts()).resolves.toEqual(['Auftrag ORD-1', 'Auftrag ORD-2']);
    // The page's script cannot read the session.
    await page.goto(`${rig.base}/app/orders/ORD-1`);
    await expect(page.evaluate('document.cookie')).resolves.not.toContain('piximmo_session');
  });

  it('another user\'s order: the page says so', async () => {
    const r = await page.goto(`${rig.base}/app/orders/ORD-9`);
    expect(r?.status()).toBe(403);
    await expect(page.locator('[data-testid="order-forbidden"]').textContent()).resolves.toBe(
      'Der Auftrag ORD-9 gehört nicht zu Ihrem Konto (oder existiert nicht).',
    );
    await expect(page.locator('#dropzone').count()).resolves.toBe(0);
  });

  it('a cross-origin POST carrying the cookie is refused (403 ORIGIN_FORBIDDEN)', async () => {
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/uploads/intent'));
    await page.goto(evilUrl);
    const r = await answer;
    expect(r.request().headers().cookie ?? (await r.request().allHeaders()).cookie).toContain('piximmo_session=');
    expect(r.status()).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('ORIGIN_FORBIDDEN');
  });

  it('a session ended while the page is open: the next upload goes to the sign-in page', async () => {
    await page.goto(`${rig.base}/app/orders/ORD-1`);
    const secret = (await rig.browser.context.cookies()).find((c) => c.name === 'piximmo_session')!.value;
    const out = await fetch(`${rig.server.url}/api/auth/logout`, { method: 'POST', headers: { Cookie: `piximmo_session=${secret}`, Origin: rig.server.url } });
    expect(out.status).toBe(204);
    const f = join(tmp, 'late.jpg');
    writeFileSync(f, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    await page.locator('#file-input').setInputFiles(f);
    await page.waitForURL(/\/app\?expired=1&next=%2Fapp%2Forders%2FORD-1$/);
    await expect(page.locator('.notice.error').textContent()).resolves.toBe('Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.');
    // Signing in again returns to the order.
    await page.getByRole('button', { name: /Anmelden als Alice/ }).click();
    await page.waitForURL(/\/app\/orders\/ORD-1$/);
  });

  it('signs out: the cookie is gone and its session revoked', async () => {
    const secret = (await rig.browser.context.cookies()).find((c) => c.name === 'piximmo_session')!.value;
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.waitForURL(/\/app$/);
    await expect(page.getByRole('heading', { name: 'Anmelden', exact: true }).isVisible()).resolves.toBe(true);
    expect((await rig.browser.context.cookies()).find((c) => c.name === 'piximmo_session')).toBeUndefined();
    const me = await fetch(`${rig.server.url}/api/me`, { headers: { Cookie: `piximmo_session=${secret}` } });
    expect(me.status).toBe(401);
  });

  it('signs in with a device token', async () => {
    await page.goto(`${rig.base}/app`);
    await page.getByLabel('Geräte-Token').fill('tok-bob');
    await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
    await page.waitForURL(/\/app$/);
    await expect(page.locator('.order-link').allInnerTexts()).resolves.toEqual(['Auftrag ORD-9']);
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.getByLabel('Geräte-Token').fill('tok-nobody');
    await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
    await expect(page.locator('.notice.error').textContent()).resolves.toBe('Anmeldung fehlgeschlagen: Das Token ist unbekannt oder widerrufen.');
  });
});

describe.skipIf(!chromiumAvailable)('web page language and production sign-in', () => {
  let rig: WebRig;
  beforeAll(async () => {
    rig = await startRig({ locale: 'en-US', server: { webSigninUsers: false } });
  });
  afterAll(async () => rig?.close());

  it('English by Accept-Language, German by the switch; no seeded users offered when the setting is off', async () => {
    const page = await rig.browser.context.newPage();
    await page.goto(`${rig.base}/app`);
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: /Sign in as/ }).count()).resolves.toBe(0);
    const refused = await fetch(`${rig.server.url}/app/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: rig.server.url }, body: 'user_id=alice', redirect: 'manual',
    });
    expect(refused.status).toBe(403);
    await page.getByLabel('Device token').fill('tok-alice');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.goto(`${rig.base}/app/orders/ORD-1`);
    await expect(page.getByRole('button', { name: 'Choose files' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('#dropzone').textContent()).resolves.toContain('Drop files here');
    await page.getByRole('link', { name: 'Deutsch' }).click();
    await expect(page.getByRole('button', { name: 'Dateien auswählen' }).isVisible()).resolves.toBe(true);
    await page.goto(`${rig.base}/app/orders/ORD-1`); // the choice is kept
    await expect(page.locator('#dropzone').textContent()).resolves.toContain('Dateien hierher ziehen');
  });
});
