/**
 * Words for the photographer: each failure code becomes what went wrong and what to do, in the
 * user's language (i18n/). --json prints codes, never these sentences.
 */
import type { Failure, FileState } from '../core/transfer/events.js';
import { formatAgainstLimit, formatBytes } from './format.js';
import { hasKey, t, type MessageKey } from './i18n/index.js';
import { visible } from './render/visible.js';

export interface Explained {
  /** What went wrong, one sentence. */
  text: string;
  /** What to do about it. */
  hint: string;
}

/** Failure codes that share a text with another. */
const ALIASES: Record<string, string> = { FILE_CHANGING: 'FILE_CHANGED' };

/**
 * Explains a Failure. Unknown codes fall back to the raw detail. `uploads` (default true): the command
 * uploads, so the advice to run it again adds that registered files are not sent twice; `login`, `orders`,
 * `download` … get the advice without it.
 */
export function explain(f: Failure, { uploads = true }: { uploads?: boolean } = {}): Explained {
  const p = f.params ?? {};
  const code = ALIASES[f.code] ?? f.code;
  const params = {
    detail: visible(f.detail),
    order: p.order,
    ...sizes(p),
    seconds: p.stall_s ?? 30,
    cause: visible(code === 'NETWORK' && typeof p.cause === 'string' ? networkWhy(p.cause, typeof p.host === 'string' ? p.host : undefined) : String(p.cause ?? f.code)),
    reason: visible(String(p.reason ?? f.detail)),
    rerun: t(uploads ? 'hint.rerun' : 'hint.rerunCommand'),
    field: visible(String(p.field ?? '')),
    operation: visible(String(p.operation ?? '')),
  };
  // A variant of a code's words (BAD_RESPONSE: a field `missing` or of the wrong `type`), when the catalogue has it.
  const key = p.variant !== undefined && hasKey(`fail.${code}.${p.variant}`) ? `fail.${code}.${p.variant}` : `fail.${code}`;
  if (hasKey(key) && hasKey(`${key}.hint`)) {
    return { text: t(key, params), hint: t(`${key}.hint` as MessageKey, params) };
  }
  return { text: t('fail.other', params), hint: t('fail.other.hint', params) };
}

/** Transport codes (api/http.ts) → words; codes not listed are shown as they are. */
const NET_WORDS: Record<string, MessageKey> = {
  ECONNREFUSED: 'net.refused',
  ENOTFOUND: 'net.notFound',
  EAI_AGAIN: 'net.dns',
  EHOSTUNREACH: 'net.noRoute',
  ENETUNREACH: 'net.noRoute',
  ENETDOWN: 'net.noRoute',
  EHOSTDOWN: 'net.noRoute',
  ETIMEDOUT: 'net.timeout',
  UND_ERR_CONNECT_TIMEOUT: 'net.timeout',
  ECONNRESET: 'net.cut',
  UND_ERR_SOCKET: 'net.cut',
  EPIPE: 'net.cut',
};

/**
 * Why a request found no host, in words: "127.0.0.1:1: connection refused", "api.example.invalid: no such host
 * name" — the host tells a wrong API URL from a dead network (SPEC "Offline is a state" only says to wait).
 */
export function networkWhy(code: string, host?: string): string {
  const key = NET_WORDS[code];
  const why = key ? t(key) : visible(code);
  return host ? t('net.where', { host: visible(host), why }) : why;
}

/** `size` and `limit` texts; with a limit, both in the unit the limit is written in ("the limit is 250 MiB"). */
function sizes(p: Record<string, string | number>): { size: string; limit: string } {
  if (typeof p.bytes === 'number' && typeof p.limit === 'number') return formatAgainstLimit(p.bytes, p.limit);
  return { size: typeof p.bytes === 'number' ? formatBytes(p.bytes) : '?', limit: typeof p.limit === 'number' ? formatBytes(p.limit) : '?' };
}

/** SPEC "Per file" states, as the user reads them. */
export function stateWord(s: FileState): string {
  return t(`state.${s}`);
}
