/**
 * Account commands: `login` (device flow or --token), `logout`, `whoami` (with the storage quota), `orders`.
 */
import { PiximmoApi } from '../../api/client.js';
import { isApiError } from '../../api/errors.js';
import { authedApi, userAgent, type GlobalOptions } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { formatBytes } from '../format.js';
import { writeJsonLine } from '../render/json.js';
import { readTokenFromStdin, resolveCredentials, storeToken } from '../credentials.js';
import { resolveSetting } from '../resolve-settings.js';
import { settingsStore } from '../settings.js';
import { deviceLogin } from './device-login.js';
import { t } from '../i18n/index.js';

/**
 * `piximmo login [--api-url URL] [--token TOKEN | --with-token]`: checks the token with GET /api/me, then
 * stores it with the origin it was issued for (conf, 0600; SPEC v2 "The token belongs to its API").
 * `--with-token` reads it from standard input (not visible in the process list); `--token` warns.
 * @throws CliExit 2 when --with-token finds no token on standard input; 3 when the server refuses it.
 */
export async function loginCommand(opts: GlobalOptions & { withToken?: boolean }): Promise<number> {
  const apiUrl = resolveSetting('apiUrl', opts).value;
  let token: string | undefined;
  if (opts.withToken) {
    token = await readTokenFromStdin();
    if (!token) throw new CliExit(EXIT.USAGE, t('login.stdinEmpty'), 'USAGE');
  } else {
    // --token or PIXIMMO_TOKEN; the stored token is not what a login checks
    const given = resolveSetting('token', opts);
    if (given.source === 'flag') token = resolveCredentials(opts).token; // warns: the token is visible in the process list
    else if (given.source === 'env') token = given.value;
  }
  if (!token) token = await deviceLogin(apiUrl, { json: opts.json });
  const api = new PiximmoApi({ apiUrl, token, userAgent: userAgent() });
  try {
    const me = await api.me();
    await storeToken(token, apiUrl, me.user_id);
    if (opts.json) writeJsonLine({ event: 'login', user_id: me.user_id, api_url: apiUrl });
    else process.stdout.write(`${t('login.ok', { user: me.user_id, api: apiUrl })}\n`);
    return EXIT.OK;
  } catch (err) {
    if (isApiError(err) && err.status === 401) throw new CliExit(EXIT.AUTH, t('login.badToken', { api: apiUrl }), 'UNAUTHENTICATED');
    throw err;
  } finally {
    await api.close();
  }
}

/** `piximmo logout`: revokes the token on the server (best effort) and deletes it locally. */
export async function logoutCommand(opts: GlobalOptions): Promise<number> {
  // The stored token is revoked only at its own API; for another --api-url it is just forgotten here.
  let token: string | undefined;
  let apiUrl = '';
  try {
    ({ token, apiUrl } = resolveCredentials(opts));
  } catch {
    token = undefined;
  }
  let revoked = false;
  if (token) {
    const api = new PiximmoApi({ apiUrl, token, userAgent: userAgent() });
    revoked = await api.logout().then(
      () => true,
      () => false,
    );
    await api.close();
  }
  const conf = await settingsStore();
  conf.delete('token');
  conf.delete('token_origin');
  conf.delete('user_id');
  if (opts.json) writeJsonLine({ event: 'logout', revoked });
  else process.stdout.write(`${t(revoked ? 'logout.revoked' : 'logout.local')}\n`);
  return EXIT.OK;
}

export async function whoamiCommand(opts: GlobalOptions): Promise<number> {
  const api = authedApi(opts);
  try {
    const me = await api.me();
    const q = me.quota ?? null; // SPEC v2 quotas (null from a pre-v2 server)
    if (opts.json) writeJsonLine({ event: 'whoami', user_id: me.user_id, name: me.name ?? null, api_url: api.apiUrl, quota: q });
    else {
      process.stdout.write(`${t('whoami.line', { user: me.user_id, name: me.name ? ` (${me.name})` : '', api: api.apiUrl })}\n`);
      if (q) {
        const left = Math.max(0, q.bytes_limit - q.bytes_used);
        process.stdout.write(`${t('whoami.quota', { used: formatBytes(q.bytes_used), limit: formatBytes(q.bytes_limit), left: formatBytes(left) })}\n`);
      }
    }
    return EXIT.OK;
  } finally {
    await api.close();
  }
}

export async function ordersCommand(opts: GlobalOptions): Promise<number> {
  const api = authedApi(opts);
  try {
    const { orders } = await api.orders();
    if (opts.json) for (const o of orders) writeJsonLine({ event: 'order', ...o });
    else if (orders.length === 0) process.stdout.write(`${t('orders.none')}\n`);
    else for (const o of orders) process.stdout.write(`${t('orders.line', { id: o.id.padEnd(14), shootcode: o.shootcode.padEnd(10), n: o.file_count })}\n`);
    return EXIT.OK;
  } finally {
    await api.close();
  }
}
