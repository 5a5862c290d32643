/**
 * `piximmo config get|set|list [key] [value]`: the settings kept in the conf store (file mode 0600,
 * settings.ts: read as JSON, written through conf; `$PIXIMMO_CONFIG_DIR` moves it).
 *
 * Keys (conf key in brackets): api-url [api_url], concurrency [concurrency, number], types [types],
 * room-aliases [room_aliases, object "folder name" → room type; written `Wintergarten=livingroom,Hobbyraum=office`],
 * stack-gap [stack_gap, seconds, number], lang [lang, de|en]; token [token] is read-only here (masked;
 * `piximmo login` sets it). Underscores are accepted for dashes (`api_url`).
 *
 * Precedence, limits and parsing come from the one table (setting-table.ts, resolve-settings.ts): flag >
 * environment > conf store > default, lang with the locale before the default; `config set` checks a value
 * with the same `parse` (and so the same limits and message) as the setting's flag.
 *
 * `set KEY ""` removes the stored value (back to the default). Invalid values → UsageError (exit 2).
 * Output: `get` prints the bare value (scripts); `list` a table with the source of each value;
 * --json: `{"v":1,"event":"config","key","value","source"}` per key, `config_set` after set.
 */
import type { GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { cell } from '../format.js';
import { detectLang, t, type Lang, type MessageKey } from '../i18n/index.js';
import { writeJsonLine } from '../render/json.js';
import { CONFIG_SETTINGS, configSetting, resolveSetting, type ShownSetting, showSetting } from '../resolve-settings.js';
import { type Setting, SETTINGS, type SettingName, type SettingSource } from '../setting-table.js';
import { settingsStore, storedSettings, UsageError } from '../settings.js';

/** The keys `config` knows, in `config list` order. */
const CONFIG_KEYS = CONFIG_SETTINGS.map((n) => SETTINGS[n].key);

/**
 * The language (rules in the module comment). main.ts uses this instead of `detectLang(flag)` so that
 * `config set lang de` takes effect. A broken value in the conf store falls back to the locale here:
 * the language must be known before any message can be written.
 */
export function resolveLang(flag?: string, env: NodeJS.ProcessEnv = process.env): { value: Lang; source: SettingSource } {
  try {
    return resolveSetting('lang', { lang: flag }, { env });
  } catch {
    return { value: detectLang(undefined, env), source: 'locale' };
  }
}

/** The effective value and source of every key, in CONFIG_KEYS order. */
export function readSettings(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): ShownSetting[] {
  return CONFIG_SETTINGS.map((n) => showSetting(n, g, { env }));
}

function keyOrUsage(action: string, key: string | undefined): SettingName {
  const keys = CONFIG_KEYS.join(', ');
  if (key === undefined || key === '') throw new UsageError(t('config.needKey', { action, keys }));
  const name = configSetting(key);
  if (!name) throw new UsageError(t('config.unknownKey', { key, keys }));
  return name;
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
      const s = showSetting(keyOrUsage(action, key), g);
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

/** `config set`: the value goes through the setting's one `parse` (same limits as its flag). */
async function setSetting(name: SettingName, value: string | undefined, g: GlobalOptions): Promise<number> {
  const s = SETTINGS[name] as Setting<unknown>;
  const k = s.key;
  const storeKey = s.conf!;
  if (s.readOnly) throw new UsageError(t('config.readOnly'));
  if (value === undefined) throw new UsageError(t('config.needValue', { key: k }));
  const conf = await settingsStore();
  if (value.trim() === '') conf.delete(storeKey);
  else conf.set(storeKey, s.parse(value));
  const now = showSetting(name, g);
  const shown = storedText(s);
  if (g.json) writeJsonLine({ event: 'config_set', key: k, value: shown ?? null, file: conf.path });
  else if (shown === undefined) process.stdout.write(`${t('config.reset', { key: k, value: s.show(s.default) || t('config.none') })}\n`);
  else process.stdout.write(`${t('config.saved', { key: k, value: shown, file: conf.path })}\n`);
  if (shown !== undefined && now.source !== 'config') {
    process.stderr.write(`${t('config.shadowed', { key: k, value: now.value, source: sourceWord(now.source) })}\n`);
  }
  return EXIT.OK;
}

/** What the conf store holds for the setting, formatted as `get` shows it; undefined when nothing is stored. */
function storedText(s: Setting<unknown>): string | undefined {
  const v = storedSettings()[s.conf!];
  if (v === undefined || v === '') return undefined;
  return s.fromStore ? s.fromStore(v) : String(v);
}

function sourceWord(s: SettingSource): string {
  return t(`source.${s}` as MessageKey);
}

/** Three columns, as wide as their widest cell; nothing is cut (URLs and type lists can be long). */
function renderList(all: readonly ShownSetting[]): string {
  const rows = [
    [t('config.colKey'), t('config.colValue'), t('config.colSource')],
    ...all.map((s) => [s.key, s.value || t('config.none'), sourceWord(s.source)]),
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return `${rows.map((r) => `${cell(r[0], w0)}  ${cell(r[1], w1)}  ${r[2]}`).join('\n')}\n`;
}
