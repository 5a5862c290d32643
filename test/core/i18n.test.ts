/**
 * The message catalogues (src/cli/i18n): German has every English key and no other; nothing is left
 * untranslated (a German text equal to the English one is allowed only when it is nothing but
 * placeholders, option/setting names and punctuation, e.g. "{detail}" or "--types: {detail}"); every key
 * has the same placeholders in both languages; the seed's words for the states are used.
 */
import { describe, expect, it } from 'vitest';
import { en, type MessageKey } from '../../src/cli/i18n/en.js';
import { de } from '../../src/cli/i18n/de.js';
import { detectLang, getLang, setLang, t } from '../../src/cli/i18n/index.js';

const keys = Object.keys(en) as MessageKey[];

/** `{name}` placeholders of a message, sorted, with repeats. */
function placeholders(s: string): string[] {
  return [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

/** Setting and option names that stay English in German text (they are typed as they are). */
const CODE_WORDS = /\b(api-url|concurrency|types|room-aliases|stack-gap|lang)\b/g;

/** What is left of a message once placeholders, `code`, --options, setting names and punctuation are removed. */
function prose(s: string): string {
  return s
    .replace(/\{\w+\}/g, '')
    .replace(/`[^`]*`/g, '')
    .replace(/--[a-z][a-z-]*/g, '')
    .replace(CODE_WORDS, '')
    .replace(/[^\p{L}]+/gu, '');
}

describe('message catalogues', () => {
  it('German has exactly the English keys, none empty', () => {
    expect(Object.keys(de).sort()).toEqual([...keys].sort());
    for (const k of keys) {
      expect(en[k].trim(), k).not.toBe('');
      expect(de[k].trim(), k).not.toBe('');
    }
  });

  it('no German text equals the English one, except codes / placeholders only', () => {
    const untranslated = keys.filter((k) => de[k] === en[k] && prose(en[k]) !== '');
    expect(untranslated).toEqual([]);
  });

  it('placeholders match per key', () => {
    const differ = keys.filter((k) => placeholders(en[k]).join() !== placeholders(de[k]).join()).map((k) => ({ key: k, en: placeholders(en[k]), de: placeholders(de[k]) }));
    expect(differ).toEqual([]);
  });

  it("the German states are the seed's words", () => {
    expect([de['state.waiting'], de['state.uploading'], de['state.uploaded'], de['state.registered'], de['state.failed']]).toEqual([
      'wartet…',
      'lädt hoch…',
      'hochgeladen',
      'registriert',
      'fehlgeschlagen',
    ]);
    expect([de['action.retry'], de['action.cancel']]).toEqual(['Erneut versuchen', 'Abbrechen']);
  });

  it('t() fills placeholders in the current language and leaves unknown ones visible', () => {
    const before = getLang();
    try {
      setLang('de');
      expect(t('status.total', { registered: 4, files: 5, pending: 0, failed: 1, size: '1 MB' })).toBe('4 von 5 Dateien registriert, 0 ausstehend, 1 fehlgeschlagen (1 MB)');
      setLang('en');
      expect(t('verify.missing', { path: 'Küche/IMG_1.JPG' })).toBe('missing on the server: Küche/IMG_1.JPG');
      expect(t('verify.missing')).toBe('missing on the server: {path}');
    } finally {
      setLang(before);
    }
  });

  it('detectLang: --lang wins, then LC_ALL, LC_MESSAGES, LANG; English otherwise', () => {
    expect(detectLang('de', { LANG: 'en_US.UTF-8' })).toBe('de');
    expect(detectLang(undefined, { LC_ALL: 'de_AT.UTF-8', LANG: 'en_US.UTF-8' })).toBe('de');
    expect(detectLang(undefined, { LC_MESSAGES: 'en_GB', LANG: 'de_DE' })).toBe('en');
    expect(detectLang(undefined, { LANG: 'de_CH.UTF-8' })).toBe('de');
    expect(detectLang(undefined, { LANG: 'C' })).toBe('en');
    expect(detectLang(undefined, {})).toBe('en');
  });
});
