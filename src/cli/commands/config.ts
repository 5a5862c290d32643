/**
 * `piximmo config get|set|list [key] [value]`: the settings kept in the conf store (file mode 0600,
 * `settingsStore()`; `$PIXIMMO_CONFIG_DIR` moves it).
 *
 * Keys (conf key in brackets): api-url [api_url], concurrency [concurrency, number], types [types],
 * room-aliases [room_aliases, object "folder name" → room type; written `Wintergarten=livingroom,Hobbyraum=office`],
 * stack-gap [stack_gap, seconds, number], lang [lang, de|en]; token [token] is read-only here (masked;
 * `piximmo login` sets it). Underscores are accepted for dashes (`api_url`).
 *
 * Precedence (SPEC "The CLI": flag > environment > conf store > default):
 * - api-url: --api-url > PIXIMMO_API_URL > conf > http://127.0.0.1:8787
 * - token: --token > PIXIMMO_TOKEN > conf > none
 * - concurrency: PIXIMMO_CONCURRENCY > conf > 4 (the --concurrency flag belongs to upload/watch)
 * - types: PIXIMMO_TYPES > conf > DEFAULT_TYPES (the seed's list and the RAW formats; --types belongs to upload/verify)
 * - room-aliases, stack-gap: conf > default (none; 2 s) (--stack-gap belongs to upload)
 * - lang: --lang > PIXIMMO_LANG > conf > locale (LC_ALL, LC_MESSAGES, LANG) > en. The locale ranks below
 *   the conf store: it is set machine-wide, the conf value is this user's explicit choice.
 *
 * `set KEY ""` removes the stored value (back to the default). Invalid values → UsageError (exit 2).
 * Output: `get` prints the bare value (scripts); `list` a table with the source of each value;
 * --json: `{"v":1,"event":"config","key","value","source"}` per key, `config_set` after set.
 */
import { DEFAULT_TYPES } from '../../contract/media.js';
import { slugify } from '../../core/plan/room-aliases.js';
import { parseTypes } from '../../core/plan/scan.js';
import type { GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { cell } from '../format.js';
import { detectLang, t, type Lang, type MessageKey } from '../i18n/index.js';
import { writeJsonLine } from '../render/json.js';
import { DEFAULT_API_URL, DEFAULT_CONCURRENCY, resolveApiUrl, resolveToken, settingsStore, UsageError, type StoredSettings } from '../settings.js';

export const CONFIG_KEYS = ['api-url', 'token', 'concurrency', 'types', 'room-aliases', 'stack-gap', 'lang'] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
/** Where a value comes from; `locale` only for lang (LC_ALL / LC_MESSAGES / LANG). */
export type SettingSource = 'flag' | 'env' | 'config' | 'default' | 'locale';

/** A setting as shown: `value` already formatted (token masked, aliases as `A=b,C=d`). */
export interface SettingValue {
  key: ConfigKey;
  value: string;
  source: SettingSource;
}

/** Default gap between frames of one bracket, seconds (src/core/plan/plan.ts: 2000 ms). */
export const DEFAULT_STACK_GAP_S = 2;
const MAX_STACK_GAP_S = 600;

const STORE_KEY: Record<ConfigKey, keyof StoredSettings> = {
  'api-url': 'api_url',
  token: 'token',
  concurrency: 'concurrency',
  types: 'types',
  'room-aliases': 'room_aliases',
  'stack-gap': 'stack_gap',
  lang: 'lang',
};

function pickSource(flag: string | undefined, env: string | undefined, conf: string | undefined, def: string): { value: string; source: SettingSource } {
  if (flag) return { value: flag, source: 'flag' };
  if (env) return { value: env, source: 'env' };
  if (conf !== undefined && conf !== '') return { value: conf, source: 'config' };
  return { value: def, source: 'default' };
}

/**
 * The language (rules in the module comment). main.ts can use this instead of `detectLang(flag)` so that
 * `config set lang de` takes effect; `stored` defaults to the conf store's `lang`.
 */
export function resolveLang(flag?: string, env: NodeJS.ProcessEnv = process.env, stored: string | undefined = settingsStore().get('lang')): { value: Lang; source: SettingSource } {
  if (flag) return { value: detectLang(flag, {}), source: 'flag' };
  if (env.PIXIMMO_LANG) return { value: detectLang(env.PIXIMMO_LANG, {}), source: 'env' };
  if (stored) return { value: detectLang(stored, {}), source: 'config' };
  if (env.LC_ALL || env.LC_MESSAGES || env.LANG) return { value: detectLang(undefined, env), source: 'locale' };
  return { value: 'en', source: 'default' };
}

/** A token shown without giving it away: the first and last 4 characters of a long one, stars otherwise. */
export function maskToken(token: string): string {
  return token.length >= 20 ? `${token.slice(0, 4)}…${token.slice(-4)}` : '*'.repeat(8);
}

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

/** The effective value and source of every key, in CONFIG_KEYS order. */
export function readSettings(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): SettingValue[] {
  const conf = settingsStore();
  const num = (v: number | undefined): string | undefined => (v === undefined ? undefined : String(v));
  const api = resolveApiUrl(g.apiUrl);
  const token = resolveToken(g.token);
  const lang = resolveLang(g.lang, env, conf.get('lang'));
  return [
    { key: 'api-url', value: api.value, source: api.source },
    { key: 'token', value: token.value ? maskToken(token.value) : '', source: token.source },
    { key: 'concurrency', ...pickSource(undefined, env.PIXIMMO_CONCURRENCY, num(conf.get('concurrency')), String(DEFAULT_CONCURRENCY)) },
    { key: 'types', ...pickSource(undefined, env.PIXIMMO_TYPES, conf.get('types'), DEFAULT_TYPES.join(',')) },
    { key: 'room-aliases', ...pickSource(undefined, undefined, formatAliases(conf.get('room_aliases')), '') },
    { key: 'stack-gap', ...pickSource(undefined, undefined, num(conf.get('stack_gap')), String(DEFAULT_STACK_GAP_S)) },
    { key: 'lang', value: lang.value, source: lang.source },
  ];
}

/** Checks `value` for `key` and converts it to what the conf store keeps. @throws UsageError */
export function parseSetting(key: Exclude<ConfigKey, 'token'>, value: string): StoredSettings[keyof StoredSettings] {
  const v = value.trim();
  switch (key) {
    case 'api-url': {
      let u: URL | undefined;
      try {
        u = new URL(v);
      } catch {
        u = undefined;
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new UsageError(t('config.bad.api-url', { value }));
      return v.replace(/\/+$/, '');
    }
    case 'concurrency': {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > 64) throw new UsageError(t('config.bad.concurrency', { value }));
      return n;
    }
    case 'types':
      try {
        parseTypes(v);
      } catch (err) {
        throw new UsageError(t('config.bad.types', { detail: (err as Error).message }));
      }
      return v;
    case 'room-aliases':
      return parseAliases(v);
    case 'stack-gap': {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n) || n < 0 || n > MAX_STACK_GAP_S) throw new UsageError(t('config.bad.stack-gap', { value }));
      return n;
    }
    case 'lang':
      if (!/^(de|en)$/i.test(v)) throw new UsageError(t('config.bad.lang', { value }));
      return v.toLowerCase();
  }
}

function keyOrUsage(action: string, key: string | undefined): ConfigKey {
  const keys = CONFIG_KEYS.join(', ');
  if (key === undefined || key === '') throw new UsageError(t('config.needKey', { action, keys }));
  const k = key.toLowerCase().replace(/_/g, '-');
  if (!(CONFIG_KEYS as readonly string[]).includes(k)) throw new UsageError(t('config.unknownKey', { key, keys }));
  return k as ConfigKey;
}

/** Runs `config`; returns the exit code (0, or throws UsageError → 2). */
export async function configCommand(action: string, key: string | undefined, value: string | undefined, g: GlobalOptions): Promise<number> {
  switch (action) {
    case 'list': {
      const all = readSettings(g);
      if (g.json) for (const s of all) writeJsonLine({ event: 'config', ...s });
      else process.stdout.write(renderList(all));
      return EXIT.OK;
    }
    case 'get': {
      const k = keyOrUsage(action, key);
      const s = readSettings(g).find((x) => x.key === k)!;
      if (g.json) writeJsonLine({ event: 'config', ...s });
      else process.stdout.write(`${s.value}\n`);
      return EXIT.OK;
    }
    case 'set':
      return setSetting(keyOrUsage(action, key), value, g);
    default:
      throw new UsageError(t('config.action', { action }));
  }
}

function setSetting(k: ConfigKey, value: string | undefined, g: GlobalOptions): number {
  if (k === 'token') throw new UsageError(t('config.readOnly'));
  if (value === undefined) throw new UsageError(t('config.needValue', { key: k }));
  const conf = settingsStore();
  const storeKey = STORE_KEY[k];
  if (value.trim() === '') conf.delete(storeKey);
  else conf.set(storeKey, parseSetting(k, value));
  const now = readSettings(g).find((x) => x.key === k)!;
  const shown = storedText(k);
  if (g.json) writeJsonLine({ event: 'config_set', key: k, value: shown ?? null, file: conf.path });
  else if (shown === undefined) process.stdout.write(`${t('config.reset', { key: k, value: defaultText(k) || t('config.none') })}\n`);
  else process.stdout.write(`${t('config.saved', { key: k, value: shown, file: conf.path })}\n`);
  if (shown !== undefined && now.source !== 'config') {
    process.stderr.write(`${t('config.shadowed', { key: k, value: now.value, source: sourceWord(now.source) })}\n`);
  }
  return EXIT.OK;
}

/** What the conf store holds for `k`, formatted as `get` shows it; undefined when nothing is stored. */
function storedText(k: Exclude<ConfigKey, 'token'>): string | undefined {
  const v = settingsStore().get(STORE_KEY[k]);
  if (v === undefined || v === '') return undefined;
  return k === 'room-aliases' ? formatAliases(v as Record<string, string>) : String(v);
}

function defaultText(k: Exclude<ConfigKey, 'token'>): string {
  const defaults: Record<typeof k, string> = {
    'api-url': DEFAULT_API_URL,
    concurrency: String(DEFAULT_CONCURRENCY),
    types: DEFAULT_TYPES.join(','),
    'room-aliases': '',
    'stack-gap': String(DEFAULT_STACK_GAP_S),
    lang: 'en',
  };
  return defaults[k];
}

function sourceWord(s: SettingSource): string {
  return t(`source.${s}` as MessageKey);
}

/** Three columns, as wide as their widest cell; nothing is cut (URLs and type lists can be long). */
function renderList(all: readonly SettingValue[]): string {
  const rows = [
    [t('config.colKey'), t('config.colValue'), t('config.colSource')],
    ...all.map((s) => [s.key, s.value || t('config.none'), sourceWord(s.source)]),
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return `${rows.map((r) => `${cell(r[0], w0)}  ${cell(r[1], w1)}  ${r[2]}`).join('\n')}\n`;
}
