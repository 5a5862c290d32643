/**
 * The conf store of the CLI's settings (SPEC "The CLI": flag > environment > conf store > default; the table
 * of settings is setting-table.ts, the precedence is applied once in resolve-settings.ts).
 * The conf store keeps the device token, so its file is created with mode 0600.
 * No production host is hard-coded: the default API is the local development server.
 */
import Conf from 'conf';

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

let store: Conf<StoredSettings> | undefined;

/** The conf store; `$PIXIMMO_CONFIG_DIR` moves it (tests, portable installs). */
export function settingsStore(): Conf<StoredSettings> {
  store ??= new Conf<StoredSettings>({
    projectName: 'piximmo',
    projectSuffix: '',
    cwd: process.env.PIXIMMO_CONFIG_DIR || undefined,
    configFileMode: 0o600,
  });
  return store;
}

/** SPEC exit code 2: usage or configuration error. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
