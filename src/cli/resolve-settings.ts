/**
 * The one place the precedence of a setting is applied (SPEC "The CLI": flag > environment > conf store >
 * default; lang adds the locale between the conf store and the default). Every command and `config
 * list/get` get their values here, each through its setting's one `parse` (setting-table.ts).
 *
 * Empty text counts as unset in every source (`PIXIMMO_API_URL=` falls through to the conf store).
 * An invalid value is a UsageError (exit 2) with the setting's message, whatever its source.
 */
import { SETTING_NAMES, SETTINGS, type Setting, type SettingName, type SettingSource, type SettingValues } from './setting-table.js';
import { storedSettings, type StoredSettings } from './settings.js';

/** Flag values as commander gives them (attribute = setting name, e.g. `stackGap`); other keys ignored. */
export type SettingFlags = { readonly [K in SettingName]?: unknown };

/** Where values come from; the defaults read the process and the conf store (only when it is needed). */
export interface SettingSources {
  env?: NodeJS.ProcessEnv;
  /** One conf store value; default `storedSettings()[key]` (settings.ts: the file read as JSON). */
  stored?: (key: keyof StoredSettings) => unknown;
}

export interface Resolved<T> {
  value: T;
  source: SettingSource;
}

const fromConfStore = (key: keyof StoredSettings): unknown => storedSettings()[key];

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v : String(v);
  return s === '' ? undefined : s;
}

/**
 * One setting's value and source.
 * @throws UsageError (the setting's message) when the winning source's text breaks its limits
 */
export function resolveSetting<K extends SettingName>(name: K, flags: SettingFlags = {}, src: SettingSources = {}): Resolved<SettingValues[K]> {
  const s = SETTINGS[name] as Setting<SettingValues[K]>;
  const env = src.env ?? process.env;
  const flag = s.flag ? text(flags[name]) : undefined;
  if (flag !== undefined) return { value: s.parse(flag), source: 'flag' };
  const fromEnv = s.env ? text(env[s.env]) : undefined;
  if (fromEnv !== undefined) return { value: s.parse(fromEnv), source: 'env' };
  if (s.conf) {
    const raw = (src.stored ?? fromConfStore)(s.conf);
    const stored = raw === undefined || raw === null ? undefined : text(s.fromStore ? s.fromStore(raw) : raw);
    if (stored !== undefined) return { value: s.parse(stored), source: 'config' };
  }
  const fallback = s.fallback?.(env);
  if (fallback !== undefined) return { value: fallback, source: 'locale' };
  return { value: s.default, source: 'default' };
}

/**
 * The typed values of the settings a command needs, e.g.
 * `resolveSettings(opts, ['concurrency', 'retries'])` → `{ concurrency: 4, retries: 5 }`.
 * @throws UsageError for the first invalid one (in `names` order)
 */
export function resolveSettings<K extends SettingName>(flags: SettingFlags, names: readonly K[], src: SettingSources = {}): Pick<SettingValues, K> {
  const out = {} as Pick<SettingValues, K>;
  for (const name of names) out[name] = resolveSetting(name, flags, src).value;
  return out;
}

/** A setting as `config list/get` show it: `value` formatted (token masked, aliases as `A=b,C=d`). */
export interface ShownSetting {
  key: string;
  value: string;
  source: SettingSource;
}

/** Settings kept in the conf store (the ones `config` lists and sets), in table order. */
export const CONFIG_SETTINGS: readonly SettingName[] = SETTING_NAMES.filter((n) => SETTINGS[n].conf !== undefined);

/**
 * One setting as shown. A value that breaks its limits is shown as written, with its source (the
 * command that uses it says what is wrong).
 */
export function showSetting(name: SettingName, flags: SettingFlags = {}, src: SettingSources = {}): ShownSetting {
  const s = SETTINGS[name] as Setting<unknown>;
  try {
    const r = resolveSetting(name, flags, src);
    return { key: s.key, value: s.show(r.value), source: r.source };
  } catch {
    const env = src.env ?? process.env;
    const flag = s.flag ? text(flags[name]) : undefined;
    if (flag !== undefined) return { key: s.key, value: flag, source: 'flag' };
    const fromEnv = s.env ? text(env[s.env]) : undefined;
    if (fromEnv !== undefined) return { key: s.key, value: fromEnv, source: 'env' };
    const raw = s.conf ? (src.stored ?? fromConfStore)(s.conf) : undefined;
    return { key: s.key, value: text(s.fromStore && raw !== undefined ? s.fromStore(raw) : raw) ?? '', source: 'config' };
  }
}

/** The setting `config` knows by `key` (`stack-gap`, `stack_gap`), or undefined. */
export function configSetting(key: string): SettingName | undefined {
  const k = key.toLowerCase().replace(/_/g, '-');
  return CONFIG_SETTINGS.find((n) => SETTINGS[n].key === k);
}
