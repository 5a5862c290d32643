/**
 * The web uploader's routes (SPEC "The web uploader", seed 000 frontend), served by the same Worker as the API:
 * - GET  /app                 signed in: the caller's orders; else the sign-in page (`?next=/app/…`)
 * - POST /app/login           form: `user_id` (seeded users, only with WEB_SIGNIN_USERS=on on a development
 *                             server: local signer or loopback host) or `device_token` → session cookie (web/session.ts), 303 to `next`
 * - POST /app/logout          revokes the session, clears the cookie, 303 to /app
 * - GET  /app/orders/:id      the uploader and gallery; not signed in → 303 to sign-in; another user's
 *                             (or an unknown) order → 403 page saying so
 * - GET  /app/assets/{app.js,hash-worker.js,app.css}
 * Both POSTs need the page's own Origin (403 page otherwise: login CSRF). Language: `?lang=de|en` (kept in
 * the cookie `piximmo_lang`) > Accept-Language > German. Pages send a strict Content-Security-Policy.
 */
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { findOwnedOrder, findUserByTokenHash, getUser, listOrdersWithCounts, listUsers } from '../db/users.js';
import type { AppEnv } from '../lib/app-env.js';
import { sha256Hex } from '../lib/crypto.js';
import { isSameOrigin } from '../lib/same-origin.js';
import { APP_CSS, APP_JS, HASH_WORKER_JS } from './assets.js';
import type { ClientConfig } from './client-config.js';
import { chooseLang, MESSAGES, type Lang } from './i18n.js';
import { type Html, shell, translator } from './layout.js';
import { forbiddenBody, orderBody, ordersBody, signInBody, type SignInData } from './pages.js';
import { cookieSecure, endSession, sessionUser, startSession } from './session.js';
import { readWebSettings, seededSignInAllowed } from './settings.js';

const LANG_COOKIE = 'piximmo_lang';

function langOf(c: Context<AppEnv>): Lang {
  const q = c.req.query('lang');
  if (q === 'de' || q === 'en') {
    setCookie(c, LANG_COOKIE, q, { path: '/app', sameSite: 'Lax', maxAge: 365 * 24 * 3600, secure: cookieSecure(c.req.url) });
    return q;
  }
  return chooseLang(getCookie(c, LANG_COOKIE), c.req.header('Accept-Language'));
}

/** Only local paths under /app may be a `next` (no open redirect). */
function safeNext(v: unknown): string {
  return typeof v === 'string' && /^\/app(\/[A-Za-z0-9._~%-]+)*\/?$/.test(v) ? v : '/app';
}

/** Origins besides 'self' the page talks to: the S3 endpoint of signed URLs and previews (production). */
function storageOrigin(c: Context<AppEnv>): string {
  try {
    return c.var.services.cfg.signer === 's3' && c.env.S3_ENDPOINT ? new URL(c.env.S3_ENDPOINT).origin : '';
  } catch {
    return '';
  }
}

function page(c: Context<AppEnv>, body: Html, title: string, lang: Lang, user: Parameters<typeof shell>[0]['user'], status = 200, clientConfig?: unknown) {
  const extra = storageOrigin(c);
  c.header(
    'Content-Security-Policy',
    `default-src 'self'; img-src 'self' data: blob:${extra ? ` ${extra}` : ''}; connect-src 'self'${extra ? ` ${extra}` : ''}; ` +
      `worker-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'`,
  );
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
  return c.html(shell({ lang, title, user, path: new URL(c.req.url).pathname, body, clientConfig }), status as 200);
}

async function signInPage(c: Context<AppEnv>, lang: Lang, next: string, notice?: SignInData['notice'], status = 200) {
  const users = seededUsersHere(c) ? await listUsers(c.env.DB) : null;
  return page(c, signInBody({ lang, users, next, notice }), MESSAGES[lang]['signin.title'], lang, null, status);
}

/** Seeded-user sign-in is on for this request (settings.ts seededSignInAllowed). */
function seededUsersHere(c: Context<AppEnv>): boolean {
  return seededSignInAllowed(readWebSettings(c.env), c.var.services.cfg.signer, c.req.url);
}

function asset(body: string, type: string) {
  return () =>
    new Response(body, { headers: { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' } });
}

export function registerWebRoutes(app: Hono<AppEnv>): void {
  app.get('/app/assets/app.js', asset(APP_JS, 'text/javascript; charset=utf-8'));
  app.get('/app/assets/hash-worker.js', asset(HASH_WORKER_JS, 'text/javascript; charset=utf-8'));
  app.get('/app/assets/app.css', asset(APP_CSS, 'text/css; charset=utf-8'));

  app.get('/app', async (c) => {
    const lang = langOf(c);
    const user = await sessionUser(c);
    if (!user) return signInPage(c, lang, safeNext(c.req.query('next')), c.req.query('expired') ? 'signin.expired' : undefined);
    const orders = await listOrdersWithCounts(c.env.DB, user.id);
    return page(c, ordersBody(lang, orders), MESSAGES[lang]['orders.title'], lang, user);
  });

  app.post('/app/login', async (c) => {
    const lang = langOf(c);
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    if (!isSameOrigin(c)) return signInPage(c, lang, next, 'csrf.refused', 403);
    let userId: string | null = null;
    if (typeof form.user_id === 'string' && form.user_id) {
      if (!seededUsersHere(c)) return signInPage(c, lang, next, 'signin.failed', 403);
      userId = (await getUser(c.env.DB, form.user_id))?.id ?? null;
      if (!userId) return signInPage(c, lang, next, 'signin.unknownUser', 400);
    } else if (typeof form.device_token === 'string' && form.device_token.trim()) {
      userId = (await findUserByTokenHash(c.env.DB, await sha256Hex(form.device_token.trim()), 'device'))?.id ?? null;
      if (!userId) return signInPage(c, lang, next, 'signin.failed', 401);
    } else {
      return signInPage(c, lang, next, 'signin.failed', 400);
    }
    await startSession(c, userId);
    return c.redirect(next, 303);
  });

  app.post('/app/logout', async (c) => {
    const lang = langOf(c);
    if (!isSameOrigin(c)) return signInPage(c, lang, '/app', 'csrf.refused', 403);
    await endSession(c);
    return c.redirect('/app', 303);
  });

  app.get('/app/orders/:id', async (c) => {
    const lang = langOf(c);
    const orderId = c.req.param('id');
    const user = await sessionUser(c);
    if (!user) return c.redirect(`/app?next=${encodeURIComponent(`/app/orders/${encodeURIComponent(orderId)}`)}`, 303);
    const order = await findOwnedOrder(c.env.DB, orderId, user.id);
    const t = translator(lang);
    if (!order) return page(c, forbiddenBody(lang, orderId), t('order.forbiddenTitle'), lang, user, 403);
    const cfg = c.var.services.cfg;
    const settings = readWebSettings(c.env);
    const clientConfig: ClientConfig = {
      orderId: order.id,
      lang,
      messages: MESSAGES[lang],
      types: settings.types,
      maxBytes: cfg.maxBytes,
      concurrency: settings.concurrency,
      signInUrl: `/app?expired=1&next=${encodeURIComponent(`/app/orders/${encodeURIComponent(order.id)}`)}`,
      hashWorkerUrl: '/app/assets/hash-worker.js',
    };
    return page(
      c,
      orderBody({ lang, orderId: order.id, shootcode: order.shootcode, types: settings.types, maxBytes: cfg.maxBytes }),
      t('order.title', { id: order.id }),
      lang,
      user,
      200,
      clientConfig,
    );
  });
}
