/**
 * German and English for everything the user reads (issue 4 "German and English"). The language comes
 * from --lang, else LC_ALL / LC_MESSAGES / LANG (POSIX order), else English. --json stays language-neutral.
 */
import { de } from './de.js';
import { en, type MessageKey } from './en.js';

export type Lang = 'en' | 'de';
export type { MessageKey };

let current: Lang = 'en';

/** `--lang` wins; otherwise the first set of LC_ALL, LC_MESSAGES, LANG decides ("de_DE.UTF-8" → de). */
export function detectLang(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (flag) return flag.toLowerCase().startsWith('de') ? 'de' : 'en';
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('de') ? 'de' : 'en';
}

export function setLang(l: Lang): void {
  current = l;
}

export function getLang(): Lang {
  return current;
}

/** The message `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number | undefined> = {}): string {
  const table: Record<MessageKey, string> = current === 'de' ? de : en;
  return table[key].replace(/\{(\w+)\}/g, (m, name: string) => {
    const v = params[name];
    return v === undefined ? m : String(v);
  });
}

/** Whether a key exists (failure codes from the server may be unknown to the catalogue). */
export function hasKey(key: string): key is MessageKey {
  return key in en;
}
