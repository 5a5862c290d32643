/**
 * Which token goes to which API (SPEC v2 "CLI rules added in v2 → The token belongs to its API": "The stored
 * device token is sent only to the origin it was issued for; another `--api-url` without `--token` is exit 3
 * with "run piximmo login --api-url …". A token given on the command line gets a warning (visible to other
 * users in the process list)").
 *
 * The conf store keeps `token_origin` (scheme://host:port of the API that issued the token) next to the
 * token; a store written before it existed falls back to its `api_url` (what login stored with the token).
 */
import { CliExit, EXIT } from './exit-codes.js';
import { t } from './i18n/index.js';
import { resolveSetting } from './resolve-settings.js';
import { settingsStore, storedSettings } from './settings.js';

export interface Credentials {
  apiUrl: string;
  /** undefined when there is no token at all (the caller decides: exit 3, or a device login). */
  token: string | undefined;
  source: 'flag' | 'env' | 'config' | 'none';
}

/** scheme://host:port of a URL; the URL itself when it does not parse. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * The API URL and the token to send to it: `--token` (with the argv warning), else PIXIMMO_TOKEN, else the
 * stored token — only when the API's origin is the one it was issued for.
 * @throws CliExit 3 (UNAUTHENTICATED, reason 'TOKEN_OTHER_ORIGIN') when the stored token belongs to another
 *   origin, naming both and the login command.
 */
export function resolveCredentials(g: { apiUrl?: string; token?: string }, warn: (text: string) => void = warnOnStderr): Credentials {
  const apiUrl = resolveSetting('apiUrl', g).value;
  const { value: token, source } = resolveSetting('token', g);
  if (!token) return { apiUrl, token: undefined, source: 'none' };
  if (source === 'flag') warn(t('auth.tokenArgv'));
  if (source !== 'config') return { apiUrl, token, source: source === 'flag' ? 'flag' : 'env' };
  const stored = storedSettings();
  const issuedFor = stored.token_origin ?? originOf(stored.api_url ?? '');
  if (originOf(apiUrl) !== issuedFor) {
    throw new CliExit(EXIT.AUTH, `${t('auth.otherOrigin', { stored: issuedFor, api: apiUrl })} ${t('auth.otherOrigin.hint', { api: apiUrl })}`, 'TOKEN_OTHER_ORIGIN');
  }
  return { apiUrl, token, source: 'config' };
}

/** Stores a token with the origin it was issued for (login). */
export async function storeToken(token: string, apiUrl: string, userId: string): Promise<void> {
  const conf = await settingsStore();
  conf.set('token', token);
  conf.set('token_origin', originOf(apiUrl));
  conf.set('api_url', apiUrl);
  conf.set('user_id', userId);
}

let warned = false;
/** The argv warning, once per process, on stderr (never stdout: --json keeps stdout for events). */
function warnOnStderr(text: string): void {
  if (warned) return;
  warned = true;
  process.stderr.write(`${text}\n`);
}

/** Reads a token from standard input (`piximmo login --with-token`): the first non-empty line, trimmed. */
export async function readTokenFromStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string | undefined> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.length > 64 * 1024) break; // a token is short; do not read a whole file piped in by mistake
  }
  return text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '');
}
