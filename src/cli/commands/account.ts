/**
 * Account commands: `login` (device flow or --token), `logout`, `whoami`, `orders`, `files --order`.
 */
import { PiximmoApi } from '../../api/client.js';
import { isApiError } from '../../api/errors.js';
import { authedApi, userAgent, type GlobalOptions } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { formatBytes } from '../format.js';
import { writeJsonLine } from '../render/json.js';
import { resolveApiUrl, resolveToken, settingsStore } from '../settings.js';
import { deviceLogin } from './device-login.js';
import { hasKey, t } from '../i18n/index.js';
import type { FileRecord } from '../../contract/api.js';

/** `piximmo login [--api-url URL] [--token TOKEN]`: checks the token with GET /api/me, then stores it (conf, 0600). */
export async function loginCommand(opts: GlobalOptions): Promise<number> {
  const apiUrl = resolveApiUrl(opts.apiUrl).value;
  let token = opts.token ?? (process.env.PIXIMMO_TOKEN || undefined);
  if (!token) token = await deviceLogin(apiUrl, { json: opts.json });
  const api = new PiximmoApi({ apiUrl, token, userAgent: userAgent() });
  try {
    const me = await api.me();
    const conf = settingsStore();
    conf.set('token', token);
    conf.set('api_url', apiUrl);
    conf.set('user_id', me.user_id);
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
  const token = resolveToken(opts.token).value;
  const apiUrl = resolveApiUrl(opts.apiUrl).value;
  let revoked = false;
  if (token) {
    const api = new PiximmoApi({ apiUrl, token, userAgent: userAgent() });
    revoked = await api.logout().then(
      () => true,
      () => false,
    );
    await api.close();
  }
  const conf = settingsStore();
  conf.delete('token');
  conf.delete('user_id');
  if (opts.json) writeJsonLine({ event: 'logout', revoked });
  else process.stdout.write(`${t(revoked ? 'logout.revoked' : 'logout.local')}\n`);
  return EXIT.OK;
}

export async function whoamiCommand(opts: GlobalOptions): Promise<number> {
  const api = authedApi(opts);
  try {
    const me = await api.me();
    if (opts.json) writeJsonLine({ event: 'whoami', user_id: me.user_id, name: me.name ?? null, api_url: api.apiUrl });
    else process.stdout.write(`${t('whoami.line', { user: me.user_id, name: me.name ? ` (${me.name})` : '', api: api.apiUrl })}\n`);
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

/** The file's state in the user's language, with the reason of a failed or infected file (issue 16). */
function fileState(f: FileRecord): string {
  const status = f.status ?? 'uploaded';
  const key = `files.status.${status}`;
  const word = hasKey(key) ? t(key) : status;
  return (status === 'infected' || status === 'failed') && f.status_reason ? `${word} (${f.status_reason})` : word;
}

/** `piximmo files --order ID`: what the server has (finalized files), with each file's state; exit 1 when one is infected. */
export async function filesCommand(opts: GlobalOptions & { order: string }): Promise<number> {
  const api = authedApi(opts);
  try {
    const files = (await api.listFiles(opts.order)).files.sort(
      (a, b) => a.room_type.localeCompare(b.room_type) || a.stack_id.localeCompare(b.stack_id) || a.filename.localeCompare(b.filename),
    );
    // issue 16: an infected file in the order makes the command exit 1 (both output modes)
    const infected = files.filter((f) => f.status === 'infected');
    const code = infected.length > 0 ? EXIT.FAILED : EXIT.OK;
    if (opts.json) {
      for (const f of files) writeJsonLine({ event: 'server_file', order_id: opts.order, ...f });
      return code;
    }
    if (files.length === 0) process.stdout.write(`${t('files.none', { order: opts.order })}\n`);
    for (const f of files) {
      process.stdout.write(`${f.room_type.padEnd(12)} ${f.stack_id.padEnd(6)} ${formatBytes(f.bytes).padStart(9)}  ${f.filename.padEnd(28)} ${fileState(f).padEnd(12)} ${f.object_key}\n`);
    }
    if (files.length > 0) process.stdout.write(`${t('files.total', { n: files.length, size: formatBytes(files.reduce((s, f) => s + f.bytes, 0)) })}\n`);
    if (infected.length > 0) {
      process.stdout.write(`${t('files.infected', { n: infected.length, names: infected.map((f) => `${f.filename} (${f.status_reason ?? '?'})`).join(', ') })}\n`);
    }
    return code;
  } finally {
    await api.close();
  }
}
