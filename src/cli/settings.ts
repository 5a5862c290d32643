/**
 * The conf store of the CLI's settings (SPEC "The CLI": flag > environment > conf store > default; the table
 * of settings is setting-table.ts, the precedence is applied once in resolve-settings.ts).
 * The conf store keeps the device token, so its file is created with mode 0600.
 * No production host is hard-coded: the default API is the local development server.
 *
 * Reading and writing are apart (issue 15, the wait before the first byte): conf brings ajv and semver with
 * it (~0.4 MB of code, ~40 ms of every run's start on the 2-core machines measured), and a run only reads.
 * So the settings are read as the plain JSON file conf keeps ({@link storedSettings}); conf itself is
 * loaded only to write ({@link settingsStore}: login, logout, `config set`), with its atomic write and mode.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Conf from 'conf';
import envPaths from 'env-paths';
import { t } from './i18n/index.js';
import { visible } from './render/visible.js';

/** The local server's default address (SPEC "The local server": port 8787). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8787';
export const DEFAULT_CONCURRENCY = 4;

export interface StoredSettings {
  api_url?: string;
  token?: string;
  /** Origin (scheme://host:port) the stored token was issued for; it is sent nowhere else (credentials.ts). */
  token_origin?: string;
  user_id?: string;
  concurrency?: number;
  types?: string;
  room_aliases?: Record<string, string>;
  stack_gap?: number;
  lang?: string;
}

/** Where the conf store's folder is: `$PIXIMMO_CONFIG_DIR` (tests, portable installs), else the platform's config folder. */
function settingsDir(): string {
  return process.env.PIXIMMO_CONFIG_DIR || envPaths('piximmo', { suffix: '' }).config;
}

/** The settings file: `<settingsDir>/config.json`, where conf keeps it with the options below (conf's own path rule). */
export function settingsFile(): string {
  return path.resolve(settingsDir(), 'config.json');
}

/**
 * The stored settings, read afresh from {@link settingsFile} (a small file, read a few times a run; a read
 * after `config set` sees the new value). No file yet: `{}`.
 * @throws UsageError (exit 2) naming the file when it cannot be read or is not a JSON object (conf threw a bare
 *   SyntaxError, printed as an unexpected error with a stack trace, exit 1).
 */
export function storedSettings(): StoredSettings {
  const file = settingsFile();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    throw new UsageError(t('usage.settingsUnreadable', { file: visible(file), detail: visible(code ?? String(err)) }));
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error: never print a piece of a file holding a token.
    throw new UsageError(t('usage.settingsBroken', { file: visible(file) }));
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError(t('usage.settingsBroken', { file: visible(file) }));
  return data as StoredSettings;
}

let store: Promise<Conf<StoredSettings>> | undefined;

/**
 * The conf store, to write settings (its file: {@link settingsFile}); conf is loaded on the first call.
 * @throws UsageError when the file is there but broken (as {@link storedSettings}): fixed or deleted first,
 *   never overwritten unread.
 */
export function settingsStore(): Promise<Conf<StoredSettings>> {
  store ??= (async () => {
    storedSettings();
    const { default: ConfStore } = await import('conf');
    return new ConfStore<StoredSettings>({ projectName: 'piximmo', projectSuffix: '', cwd: settingsDir(), configFileMode: 0o600 });
  })();
  store.catch(() => (store = undefined));
  return store;
}

/** SPEC exit code 2: usage or configuration error. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
