/**
 * The one settings resolver (src/cli/resolve-settings.ts over the table in setting-table.ts; issue 9
 * "CLI plumbing"): precedence flag > environment > conf store > (locale for lang) > default, empty text as
 * unset, one limit and one message per setting whatever the source, and what `config list` shows.
 * No conf file is touched: the conf store and the environment are injected.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setLang } from '../../src/cli/i18n/index.js';
import { CONFIG_SETTINGS, configSetting, resolveSetting, resolveSettings, showSetting } from '../../src/cli/resolve-settings.js';
import { MAX_STACK_GAP_S, SETTING_NAMES, SETTINGS } from '../../src/cli/setting-table.js';
import { UsageError } from '../../src/cli/settings.js';
import { layoutOptions, transferSettings } from '../../src/cli/run-start.js';

const NO_LOCALE = { LANG: '', LC_ALL: '', LC_MESSAGES: '' };
const conf = (values: Record<string, unknown>) => ({ stored: (k: string) => values[k] });
const none = conf({});

/** The message of the UsageError `fn` throws. */
function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('no UsageError');
}

afterEach(() => setLang('en'));

describe('resolveSetting: precedence', () => {
  it('flag > environment > conf store > default, with the source of each', () => {
    const env = { ...NO_LOCALE, PIXIMMO_CONCURRENCY: '3' };
    const stored = conf({ concurrency: 6 });
    expect(resolveSetting('concurrency', { concurrency: '9' }, { env, ...stored })).toEqual({ value: 9, source: 'flag' });
    expect(resolveSetting('concurrency', {}, { env, ...stored })).toEqual({ value: 3, source: 'env' });
    expect(resolveSetting('concurrency', {}, { env: NO_LOCALE, ...stored })).toEqual({ value: 6, source: 'config' });
    expect(resolveSetting('concurrency', {}, { env: NO_LOCALE, ...none })).toEqual({ value: 4, source: 'default' });
  });

  it('empty text is unset in every source', () => {
    const env = { ...NO_LOCALE, PIXIMMO_API_URL: '' };
    expect(resolveSetting('apiUrl', { apiUrl: '' }, { env, ...conf({ api_url: '' }) })).toEqual({ value: 'http://127.0.0.1:8787', source: 'default' });
    expect(resolveSetting('apiUrl', { apiUrl: '' }, { env, ...conf({ api_url: 'https://c.example/' }) })).toEqual({ value: 'https://c.example', source: 'config' });
  });

  it('lang: the locale comes after the conf store and before the default', () => {
    const de = { ...NO_LOCALE, LANG: 'de_DE.UTF-8' };
    expect(resolveSetting('lang', {}, { env: NO_LOCALE, ...none })).toEqual({ value: 'en', source: 'default' });
    expect(resolveSetting('lang', {}, { env: de, ...none })).toEqual({ value: 'de', source: 'locale' });
    expect(resolveSetting('lang', {}, { env: de, ...conf({ lang: 'en' }) })).toEqual({ value: 'en', source: 'config' });
    expect(resolveSetting('lang', {}, { env: { ...de, PIXIMMO_LANG: 'en' }, ...none })).toEqual({ value: 'en', source: 'env' });
    expect(resolveSetting('lang', { lang: 'de_AT' }, { env: { PIXIMMO_LANG: 'en' }, ...none })).toEqual({ value: 'de', source: 'flag' });
  });

  it('settings without a conf key or env variable skip that source', () => {
    // stack-gap has no environment variable; retries no conf key
    expect(resolveSetting('stackGap', {}, { env: { PIXIMMO_STACK_GAP: '9' }, ...conf({ stack_gap: 1.5 }) })).toEqual({ value: 1.5, source: 'config' });
    expect(resolveSetting('retries', {}, { env: {}, ...conf({ retries: 9 }) })).toEqual({ value: 5, source: 'default' });
  });

  it('resolveSettings gives the typed values a command asks for', () => {
    const s = resolveSettings({ retries: '7', offlineWait: '90s', bwlimit: '5M' }, ['retries', 'offlineWait', 'bwlimit', 'roomAliases'], { env: {}, ...conf({ room_aliases: { Wintergarten: 'livingroom' } }) });
    expect(s).toEqual({ retries: 7, offlineWait: 90_000, bwlimit: 5_000_000, roomAliases: { Wintergarten: 'livingroom' } });
  });
});

describe('one limit and one message per setting', () => {
  it('stack-gap 900: the same sentence from the flag, the environment-free conf store and config set', () => {
    const fromFlag = usage(() => resolveSetting('stackGap', { stackGap: '900' }, { env: {}, ...none }));
    const fromConf = usage(() => resolveSetting('stackGap', {}, { env: {}, ...conf({ stack_gap: 900 }) }));
    const fromSet = usage(() => SETTINGS.stackGap.parse('900'));
    expect(fromFlag).toBe(`stack-gap must be a number of seconds from 0 to ${MAX_STACK_GAP_S} (got 900).`);
    expect(fromConf).toBe(fromFlag);
    expect(fromSet).toBe(fromFlag);
    expect(resolveSetting('stackGap', { stackGap: '600' }, { env: {}, ...none }).value).toBe(600);
    expect(resolveSetting('stackGap', { stackGap: '0' }, { env: {}, ...none }).value).toBe(0);
    setLang('de');
    expect(usage(() => resolveSetting('stackGap', { stackGap: '900' }, { env: {}, ...none }))).toBe(usage(() => SETTINGS.stackGap.parse('900')));
    expect(usage(() => SETTINGS.stackGap.parse('900'))).toContain('zwischen 0 und 600');
  });

  it('concurrency 1–64 from flag, environment and conf store alike', () => {
    for (const bad of ['0', '65', '2.5', 'four']) {
      const msg = `concurrency must be a whole number from 1 to 64 (got ${bad}).`;
      expect(usage(() => resolveSetting('concurrency', { concurrency: bad }, { env: {}, ...none }))).toBe(msg);
      expect(usage(() => resolveSetting('concurrency', {}, { env: { PIXIMMO_CONCURRENCY: bad }, ...none }))).toBe(msg);
      expect(usage(() => resolveSetting('concurrency', {}, { env: {}, ...conf({ concurrency: bad }) }))).toBe(msg);
    }
    expect(resolveSetting('concurrency', { concurrency: '64' }, { env: {}, ...none }).value).toBe(64);
  });

  it('the other limits', () => {
    const at = (name: Parameters<typeof resolveSetting>[0], v: string) => () => resolveSetting(name, { [name]: v }, { env: {}, ...none });
    expect(usage(at('retries', '0'))).toMatch(/--retries must be a whole number from 1 to 100/);
    expect(usage(at('retries', '101'))).toMatch(/--retries/);
    expect(usage(at('offlineWait', 'soon'))).toMatch(/--offline-wait soon/);
    expect(usage(at('intentRate', '-1'))).toMatch(/--intent-rate must be .* from 0 \(no limit\) to 1000 \(got -1\)/);
    expect(usage(at('bwlimit', '0'))).toMatch(/--bwlimit must be a rate above 0/);
    expect(usage(at('apiUrl', 'ftp://x'))).toMatch(/api-url must be an http:\/\/ or https:\/\/ address/);
    expect(usage(at('types', 'docx'))).toMatch(/types: Unknown file type "docx"/);
    expect(usage(at('lang', 'fr'))).toBe('lang must be de or en (got fr).');
    expect(usage(() => SETTINGS.roomAliases.parse('Wintergarten'))).toMatch(/room-aliases must look like/);
    expect(resolveSetting('intentRate', {}, { env: { PIXIMMO_INTENT_RATE: '0' }, ...none })).toEqual({ value: 0, source: 'env' });
  });

  it('every setting has a key, a default that shows, and a flag or env variable or conf key', () => {
    for (const name of SETTING_NAMES) {
      const s = SETTINGS[name];
      expect(s.key, name).toMatch(/^[a-z][a-z-]*$/);
      expect(s.flag ?? s.env ?? s.conf, name).toBeDefined();
      expect(typeof (s.show as (v: unknown) => string)(s.default), name).toBe('string');
    }
  });
});

describe('config list from the same table', () => {
  it('lists the conf-store settings with value and source, token masked, aliases as text', () => {
    expect(CONFIG_SETTINGS.map((n) => SETTINGS[n].key)).toEqual(['api-url', 'token', 'concurrency', 'types', 'room-aliases', 'stack-gap', 'lang']);
    const src = { env: { ...NO_LOCALE, PIXIMMO_TOKEN: 'dtk_9f2c4e7a1b3d5f6081726354aabbccdd' }, ...conf({ room_aliases: { Wintergarten: 'livingroom', Hobbyraum: 'office' }, stack_gap: 3 }) };
    const shown = CONFIG_SETTINGS.map((n) => showSetting(n, { apiUrl: 'http://flag.example' }, src));
    expect(shown).toEqual([
      { key: 'api-url', value: 'http://flag.example', source: 'flag' },
      { key: 'token', value: 'dtk_…ccdd', source: 'env' },
      { key: 'concurrency', value: '4', source: 'default' },
      { key: 'types', value: 'jpg,jpeg,png,heic,dng,mp4,mov,cr2,cr3,nef,arw,raf,rw2,orf', source: 'default' },
      { key: 'room-aliases', value: 'Wintergarten=livingroom,Hobbyraum=office', source: 'config' },
      { key: 'stack-gap', value: '3', source: 'config' },
      { key: 'lang', value: 'en', source: 'default' },
    ]);
  });

  it('a value that breaks its limits is listed as written, with its source (the command using it says what is wrong)', () => {
    expect(showSetting('concurrency', {}, { env: { PIXIMMO_CONCURRENCY: 'lots' }, ...none })).toEqual({ key: 'concurrency', value: 'lots', source: 'env' });
    expect(showSetting('stackGap', {}, { env: {}, ...conf({ stack_gap: 900 }) })).toEqual({ key: 'stack-gap', value: '900', source: 'config' });
  });

  it('config keys: dashes or underscores, any case; only conf-store settings', () => {
    expect(configSetting('stack_gap')).toBe('stackGap');
    expect(configSetting('API-URL')).toBe('apiUrl');
    expect(configSetting('retries')).toBeUndefined();
  });
});

describe('what commands get', () => {
  it('transferSettings and layoutOptions: typed, stack gap in ms', () => {
    const saved = { ...process.env };
    try {
      for (const k of ['PIXIMMO_CONCURRENCY', 'PIXIMMO_RETRIES', 'PIXIMMO_INTENT_RATE', 'PIXIMMO_OFFLINE_WAIT']) delete process.env[k];
      process.env.PIXIMMO_CONFIG_DIR = mkdtempSync(path.join(tmpdir(), 'piximmo-settings-'));
      const t = transferSettings({ concurrency: '2', retries: '3', intentRate: '0', offlineWait: '0' });
      expect(t).toMatchObject({ concurrency: 2, retry: { attempts: 3 }, intentRate: 0, offlineWaitMs: 0 });
      expect(() => layoutOptions({ stackGap: '900' })).toThrow(/stack-gap must be a number of seconds from 0 to 600 \(got 900\)/);
    } finally {
      process.env = saved;
    }
  });
});
