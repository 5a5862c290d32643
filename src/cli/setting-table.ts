/**
 * The table of the CLI's settings: for each one its name, flag, environment variable, conf key, type,
 * default, limits and the one `parse` every source goes through (issue 9 "CLI plumbing": one limit per
 * setting). The precedence — flag > environment > conf store > default (SPEC "The CLI") — is applied once,
 * in resolve-settings.ts; `config list/get/set` read this table too (commands/config.ts).
 *
 * A value that breaks a limit is a UsageError (exit 2) with the same sentence wherever it came from:
 * `--stack-gap 900`, `config set stack-gap 900` and a hand-edited conf file all say
 * "stack-gap must be a number of seconds from 0 to 600 (got 900)".
 */
import { DEFAULT_TYPES } from '../contract/media.js';
import { parseTypes } from '../core/plan/allow-list.js';
import { slugify } from '../core/plan/room-aliases.js';
import { parseRate } from '../core/transfer/bandwidth.js';
import { DEFAULT_OFFLINE_WAIT_MS, parseOfflineWait } from '../core/transfer/offline.js';
import { DEFAULT_RETRY } from '../core/transfer/retry.js';
import { detectLang, t, type Lang } from './i18n/index.js';
import { DEFAULT_API_URL, DEFAULT_CONCURRENCY, type StoredSettings, UsageError } from './settings.js';

/** The typed value of every setting (what commands get from `resolveSettings`). */
export interface SettingValues {
  /** API base URL without a trailing slash. */
  apiUrl: string;
  /** Device token; undefined when there is none. */
  token: string | undefined;
  /** Files in flight at once, 1–64. */
  concurrency: number;
  /** The `--types` spec as given (`jpg,cr3`, `+tif`), checked; `parseTypes` turns it into extensions. */
  types: string;
  /** Folder name → room type (slugged). */
  roomAliases: Record<string, string>;
  /** Largest gap between frames of one bracket, seconds, 0–600. */
  stackGap: number;
  /** Language of messages. */
  lang: Lang;
  /** Tries per request on transient failures, 1–100. */
  retries: number;
  /** How long to wait while the API cannot be reached, ms (SPEC v2: default 10 minutes; 0 = fail at once). */
  offlineWait: number;
  /** Intents per second the client allows itself (SPEC 3/s); 0 = no limit. */
  intentRate: number;
  /** Upload rate cap across all transfers, bytes/s; undefined = none. */
  bwlimit: number | undefined;
}

export type SettingName = keyof SettingValues;
/** Where a value comes from; `locale` only for lang (LC_ALL / LC_MESSAGES / LANG). */
export type SettingSource = 'flag' | 'env' | 'config' | 'default' | 'locale';

export interface Setting<T> {
  /** The name users see: config key, and the subject of the error sentence (`stack-gap`). */
  key: string;
  /** Command-line flag, e.g. `--stack-gap` (its commander attribute is the setting's name). */
  flag?: string;
  /** Environment variable. */
  env?: string;
  /** Key in the conf store; settings with one are listed by `config list` and set by `config set`. */
  conf?: keyof StoredSettings;
  default: T;
  /** The limits in words, for docs and tests (`1–64`). */
  limits?: string;
  /** Text (flag, environment, `config set`) → value. @throws UsageError with the setting's one message */
  parse(text: string): T;
  /** Value → text as `config get` prints it. */
  show(value: T): string;
  /** Not settable with `config set` (token: `piximmo login`). */
  readOnly?: boolean;
  /** Shown masked (token). */
  secret?: boolean;
  /** Conf store value → text for `parse` (default `String`). */
  fromStore?(raw: unknown): string;
  /** Asked after the conf store, before the default (lang: the locale). */
  fallback?(env: NodeJS.ProcessEnv): T | undefined;
}

type Table = { [K in SettingName]: Setting<SettingValues[K]> };

/** A whole number within [min, max], else the setting's message. */
function wholeNumber(min: number, max: number, message: () => string): (text: string) => number {
  return (text) => {
    const v = text.trim();
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(message());
    return n;
  };
}

/** Largest --stack-gap / stack-gap, seconds (a bracket is shot within seconds; 10 minutes is a typo). */
export const MAX_STACK_GAP_S = 600;
/** Default gap between frames of one bracket, seconds (core/plan/plan.ts: 2000 ms). */
const DEFAULT_STACK_GAP_S = 2;
/** Highest --intent-rate the client accepts (the server allows 3/s by default). */
const MAX_INTENT_RATE = 1000;

/** `{Wintergarten: "livingroom"}` → `Wintergarten=livingroom`. */
export function formatAliases(a: Record<string, string> | undefined): string {
  return Object.entries(a ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * `Wintergarten=livingroom, Hobbyraum=office` → `{Wintergarten: "livingroom", Hobbyraum: "office"}`; room
 * types are slugged as the server slugs them (`Home Office` → `home-office`).
 * @throws UsageError naming the first malformed entry (no `=`, empty side, no letters or digits)
 */
export function parseAliases(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const name = eq < 0 ? '' : entry.slice(0, eq).trim();
    const room = eq < 0 ? '' : slugify(entry.slice(eq + 1));
    if (!name || !slugify(name) || !room || entry.indexOf('=', eq + 1) >= 0) throw new UsageError(t('config.bad.room-aliases', { entry }));
    out[name] = room;
  }
  if (Object.keys(out).length === 0) throw new UsageError(t('config.bad.room-aliases', { entry: value }));
  return out;
}

/** A token shown without giving it away: the first and last 4 characters of a long one, stars otherwise. */
export function maskToken(token: string): string {
  return token.length >= 20 ? `${token.slice(0, 4)}…${token.slice(-4)}` : '*'.repeat(8);
}

/** Every setting of the CLI. Order = `config list` order. */
export const SETTINGS: Table = {
  apiUrl: {
    key: 'api-url',
    flag: '--api-url',
    env: 'PIXIMMO_API_URL',
    conf: 'api_url',
    default: DEFAULT_API_URL,
    limits: 'http:// or https:// URL',
    parse(text) {
      const v = text.trim();
      let u: URL | undefined;
      try {
        u = new URL(v);
      } catch {
        u = undefined;
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new UsageError(t('config.bad.api-url', { value: text }));
      return v.replace(/\/+$/, '');
    },
    show: (v) => v,
  },
  token: {
    key: 'token',
    flag: '--token',
    env: 'PIXIMMO_TOKEN',
    conf: 'token',
    default: undefined,
    parse: (text) => text.trim() || undefined,
    show: (v) => (v ? maskToken(v) : ''),
    readOnly: true,
    secret: true,
  },
  concurrency: {
    key: 'concurrency',
    flag: '--concurrency',
    env: 'PIXIMMO_CONCURRENCY',
    conf: 'concurrency',
    default: DEFAULT_CONCURRENCY,
    limits: '1–64',
    parse: (text) => wholeNumber(1, 64, () => t('config.bad.concurrency', { value: text }))(text),
    show: String,
  },
  types: {
    key: 'types',
    flag: '--types',
    env: 'PIXIMMO_TYPES',
    conf: 'types',
    default: DEFAULT_TYPES.join(','),
    limits: 'known extensions, or +additions',
    parse(text) {
      try {
        parseTypes(text.trim());
      } catch (err) {
        throw new UsageError(t('config.bad.types', { detail: (err as Error).message }));
      }
      return text.trim();
    },
    show: (v) => v,
  },
  roomAliases: {
    key: 'room-aliases',
    conf: 'room_aliases',
    default: {},
    parse: parseAliases,
    show: formatAliases,
    fromStore: (raw) => formatAliases(raw as Record<string, string>),
  },
  stackGap: {
    key: 'stack-gap',
    flag: '--stack-gap',
    conf: 'stack_gap',
    default: DEFAULT_STACK_GAP_S,
    limits: `0–${MAX_STACK_GAP_S} s`,
    parse(text) {
      const v = text.trim();
      const n = Number(v);
      if (v === '' || !Number.isFinite(n) || n < 0 || n > MAX_STACK_GAP_S) throw new UsageError(t('config.bad.stack-gap', { value: text }));
      return n;
    },
    show: String,
  },
  lang: {
    key: 'lang',
    flag: '--lang',
    env: 'PIXIMMO_LANG',
    conf: 'lang',
    default: 'en',
    limits: 'de | en (de_DE… accepted)',
    parse(text) {
      const m = /^(de|en)([-_.].*)?$/i.exec(text.trim());
      if (!m) throw new UsageError(t('config.bad.lang', { value: text }));
      return m[1].toLowerCase() as Lang;
    },
    show: (v) => v,
    // The locale ranks below the conf store: it is set machine-wide, the conf value is this user's choice.
    fallback: (env) => (env.LC_ALL || env.LC_MESSAGES || env.LANG ? detectLang(undefined, env) : undefined),
  },
  retries: {
    key: 'retries',
    flag: '--retries',
    env: 'PIXIMMO_RETRIES',
    default: DEFAULT_RETRY.attempts,
    limits: '1–100',
    parse: (text) => wholeNumber(1, 100, () => t('usage.retries', { value: text }))(text),
    show: String,
  },
  offlineWait: {
    key: 'offline-wait',
    flag: '--offline-wait',
    env: 'PIXIMMO_OFFLINE_WAIT',
    default: DEFAULT_OFFLINE_WAIT_MS,
    limits: '≥ 0 (10m, 90s, 0)',
    parse(text) {
      const ms = parseOfflineWait(text);
      if (ms === undefined || !(ms >= 0)) throw new UsageError(t('usage.offlineWait', { value: text }));
      return ms;
    },
    show: (v) => `${v / 1000}s`,
  },
  intentRate: {
    key: 'intent-rate',
    flag: '--intent-rate',
    env: 'PIXIMMO_INTENT_RATE',
    default: 3,
    limits: `0–${MAX_INTENT_RATE} per second (0 = no limit)`,
    parse(text) {
      const v = text.trim();
      const n = Number(v);
      if (v === '' || !Number.isFinite(n) || n < 0 || n > MAX_INTENT_RATE) throw new UsageError(t('usage.intentRate', { value: text, max: MAX_INTENT_RATE }));
      return n;
    },
    show: String,
  },
  bwlimit: {
    key: 'bwlimit',
    flag: '--bwlimit',
    default: undefined,
    limits: '> 0 bytes/s',
    parse(text) {
      try {
        return parseRate(text);
      } catch {
        throw new UsageError(t('usage.bwlimit', { value: text }));
      }
    },
    show: (v) => (v === undefined ? '' : String(v)),
  },
};

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];
