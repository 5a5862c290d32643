/**
 * Settings of the CLI. SPEC "The CLI": flag > environment (PIXIMMO_API_URL, PIXIMMO_TOKEN) > conf store > default.
 * The conf store keeps the device token, so its file is created with mode 0600.
 * No production host is hard-coded: the default API is the local development server.
 */
import Conf from 'conf';
import { t } from './i18n/index.js';

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

export interface Resolved<T> {
  value: T;
  source: 'flag' | 'env' | 'config' | 'default';
}

function pick<T>(flag: T | undefined, env: T | undefined, conf: T | undefined, def: T): Resolved<T> {
  if (flag !== undefined && flag !== '') return { value: flag, source: 'flag' };
  if (env !== undefined && env !== '') return { value: env, source: 'env' };
  if (conf !== undefined && conf !== '') return { value: conf, source: 'config' };
  return { value: def, source: 'default' };
}

export function resolveApiUrl(flag?: string): Resolved<string> {
  return pick(flag, process.env.PIXIMMO_API_URL, settingsStore().get('api_url'), DEFAULT_API_URL);
}

export function resolveToken(flag?: string): Resolved<string | undefined> {
  return pick<string | undefined>(flag, process.env.PIXIMMO_TOKEN, settingsStore().get('token'), undefined);
}

export function resolveConcurrency(flag?: string | number): number {
  const raw = pick<string | number>(flag, process.env.PIXIMMO_CONCURRENCY, settingsStore().get('concurrency'), DEFAULT_CONCURRENCY).value;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(t('usage.concurrency', { value: String(raw) }));
  return n;
}

export function resolveTypes(flag?: string): string | undefined {
  return pick<string | undefined>(flag, process.env.PIXIMMO_TYPES, settingsStore().get('types'), undefined).value;
}

/** SPEC exit code 2: usage or configuration error. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
