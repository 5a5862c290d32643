/**
 * Device login (SPEC "Device login", RFC 8628 device authorization grant) and logout.
 *
 * - POST /api/auth/device/code → DeviceCodeResponse `{device_code, user_code, verification_uri,
 *   verification_uri_complete, interval, expires_in}` (seconds). No auth.
 * - POST /api/auth/device/token `{device_code}` (JSON or form) → 200 DeviceTokenResponse
 *   `{device_token, user_id}` once approved (once only), else 400 `{"error": {"code", "message"}}` with
 *   code authorization_pending | slow_down (polled sooner than `interval` after the previous poll;
 *   the interval then grows by 5 s, RFC 8628 §3.5) | expired_token (expired, unknown or already
 *   used) | access_denied. A missing device_code is 400 VALIDATION_FAILED (DeviceTokenRequestSchema).
 * - GET /device[?user_code=…] → local approval page (SIGNER=local only, else 404): user code + a
 *   seeded user to sign in as; POST /device (form: user_code, user_id, action=approve|deny;
 *   DeviceApprovalFormSchema).
 * - POST /api/auth/logout → 204; the caller's token/session is revoked (then 401).
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { DeviceCodeResponse, DeviceTokenResponse } from '../../contract/api.js';
import { consumeDeviceCode, decideDeviceCode, getDeviceCode, insertDeviceCode, recordPoll } from '../db/device-codes.js';
import { getUser, insertToken, listUsers, revokeToken } from '../db/users.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { randomToken, sha256Hex } from '../lib/crypto.js';
import { HttpError } from '../lib/errors.js';
import { escapeHtml, page } from '../lib/html.js';
import { validForm } from '../lib/valid.js';
import { DeviceApprovalFormSchema, DeviceTokenRequestSchema } from '../../contract/requests.js';

/** RFC 8628 §6.1: no vowels (no words), no easily confused characters. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
/** RFC 8628 §3.5: slow_down raises the interval by 5 s. */
const SLOW_DOWN_STEP_S = 5;

function newUserCode(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  const s = Array.from(b, (x) => USER_CODE_ALPHABET[x % USER_CODE_ALPHABET.length]).join('');
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** "bcdf ghjk", "BCDFGHJK" → "BCDF-GHJK". */
export function normaliseUserCode(s: string): string {
  const x = s.toUpperCase().replace(/[^A-Z]/g, '');
  return x.length === 8 ? `${x.slice(0, 4)}-${x.slice(4)}` : x;
}

type GrantError = 'authorization_pending' | 'slow_down' | 'expired_token' | 'access_denied';

function grantError(code: GrantError, message: string, interval?: number): Response {
  const body = { error: { code, message, ...(interval === undefined ? {} : { details: { interval } }) } };
  return new Response(JSON.stringify(body), { status: 400, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
}

function localOnly(c: Context<AppEnv>): void {
  if (c.var.services.cfg.signer !== 'local') throw new HttpError('NOT_FOUND', 'the approval page exists on the local server only');
}

export function registerDeviceRoutes(app: Hono<AppEnv>): void {
  app.post('/api/auth/device/code', async (c) => {
    const { cfg } = c.var.services;
    const now = new Date();
    const deviceCode = randomToken(32);
    let userCode = '';
    for (let i = 0; i < 5 && !userCode; i++) {
      const candidate = newUserCode();
      const ok = await insertDeviceCode(c.env.DB, {
        device_code_hash: await sha256Hex(deviceCode),
        user_code: candidate,
        status: 'pending',
        user_id: null,
        interval_s: cfg.devicePollInterval,
        last_poll_at: null,
        expires_at: new Date(now.getTime() + cfg.deviceCodeTtl * 1000).toISOString(),
        created_at: now.toISOString(),
      });
      if (ok) userCode = candidate;
    }
    if (!userCode) throw new Error('could not draw a free user code');
    const uri = `${c.var.services.origin}/device`;
    return c.json<DeviceCodeResponse>({
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: uri,
      verification_uri_complete: `${uri}?user_code=${encodeURIComponent(userCode)}`,
      interval: cfg.devicePollInterval,
      expires_in: cfg.deviceCodeTtl,
    });
  });

  app.post('/api/auth/device/token', validForm(DeviceTokenRequestSchema), async (c) => {
    const deviceCode = c.req.valid('form').device_code;
    const hash = await sha256Hex(deviceCode);
    const row = await getDeviceCode(c.env.DB, hash);
    const now = new Date();
    if (!row || row.status === 'consumed' || Date.parse(row.expires_at) <= now.getTime()) {
      return grantError('expired_token', 'the device code expired or was already used; start `piximmo login` again');
    }
    if (row.status === 'denied') return grantError('access_denied', 'the sign-in was denied');
    if (row.status === 'approved' && row.user_id) {
      if (!(await consumeDeviceCode(c.env.DB, hash))) return grantError('expired_token', 'the device code was already used');
      const token = randomToken(32);
      await insertToken(c.env.DB, await sha256Hex(token), row.user_id, 'device', now);
      return c.json<DeviceTokenResponse>({ device_token: token, user_id: row.user_id });
    }
    const last = row.last_poll_at ? Date.parse(row.last_poll_at) : null;
    if (last !== null && now.getTime() - last < row.interval_s * 1000) {
      const interval = row.interval_s + SLOW_DOWN_STEP_S;
      await recordPoll(c.env.DB, hash, now, interval);
      return grantError('slow_down', `polling too fast; wait ${interval} s between polls`, interval);
    }
    await recordPoll(c.env.DB, hash, now, row.interval_s);
    return grantError('authorization_pending', 'waiting for the user to approve the sign-in', row.interval_s);
  });

  app.get('/device', async (c) => {
    localOnly(c);
    const code = normaliseUserCode(c.req.query('user_code') ?? '');
    const users = await listUsers(c.env.DB);
    const options = users
      .map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name ? `${u.name} (${u.id})` : u.id)}</option>`)
      .join('');
    return c.html(
      page(
        'piximmo — sign in a device',
        `<p>Enter the code shown in your terminal and choose who signs in (local development server).</p>
<form method="post" action="/device">
<label>Code <input class="code" name="user_code" value="${escapeHtml(code)}" autocomplete="off" required></label>
<label>Sign in as <select name="user_id">${options}</select></label>
<button name="action" value="approve">Approve</button> <button name="action" value="deny">Deny</button>
</form>`,
      ),
    );
  });

  const localOnlyFirst: MiddlewareHandler<AppEnv> = async (c, next) => {
    localOnly(c);
    await next();
  };
  app.post('/device', localOnlyFirst, validForm(DeviceApprovalFormSchema), async (c) => {
    const form = c.req.valid('form');
    const code = normaliseUserCode(form.user_code);
    const { action, user_id: userId } = form;
    const user = action === 'approve' ? await getUser(c.env.DB, userId) : null;
    if (action === 'approve' && !user) {
      return c.html(page('Unknown user', `<p>No user <b>${escapeHtml(userId)}</b>. <a href="/device">Back</a></p>`), 400);
    }
    const ok = await decideDeviceCode(c.env.DB, code, action === 'approve' ? 'approved' : 'denied', user?.id ?? null, new Date());
    if (!ok) {
      return c.html(
        page('Code not valid', `<p>The code <span class="code">${escapeHtml(code)}</span> is unknown, expired or already used. <a href="/device">Try again</a></p>`),
        400,
      );
    }
    return c.html(
      action === 'approve'
        ? page('Device approved', `<p>Signed in as <b>${escapeHtml(user?.name ?? userId)}</b>. You can return to the terminal.</p>`)
        : page('Sign-in denied', '<p>The device was not signed in. You can close this page.</p>'),
    );
  });

  app.post('/api/auth/logout', requireAuth, async (c) => {
    await revokeToken(c.env.DB, c.var.tokenHash, new Date());
    return c.body(null, 204);
  });
}
