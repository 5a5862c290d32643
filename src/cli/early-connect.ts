/**
 * The API connection, opened while the CLI loads (issue 15, far link: a new connection costs a round trip —
 * 80 ms on hotel Wi-Fi, 200 ms tethered — and `upload` used to start it only once its modules were loaded and
 * its settings resolved, ~100 ms after start). main() calls {@link connectEarly} before the command's modules
 * load; the run's API client adopts the socket (api/warm-sockets.ts `warmEarly`), so `GET /api/me` goes out
 * on a connection already made. Only for the commands that upload, not with `--dry-run`, not behind a proxy.
 * A wrong guess costs one idle connection, closed after 4 s: nothing is sent on it.
 */
import { proxyConfigured, warmEarly } from '../api/warm-sockets.js';
import { resolveSetting } from './resolve-settings.js';

/**
 * The commands that upload: their first request opens the run (and its wait is the photographer's), and a failed
 * one is advised to run again knowing registered files are not sent twice (context.ts).
 */
export const UPLOADING_COMMANDS: ReadonlySet<string> = new Set(['upload', 'batch', 'watch']);

/**
 * Opens the connection to the API the command will use (`--api-url` — `apiUrlFlag`, read from argv by main.ts —
 * > PIXIMMO_API_URL > config > default, as resolve-settings.ts decides) when `argv` runs an uploading command.
 * Never throws: a bad URL is the command's own error to report.
 */
export function connectEarly(argv: readonly string[], apiUrlFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  if (!argv.slice(2).some((a) => UPLOADING_COMMANDS.has(a)) || argv.includes('--dry-run') || proxyConfigured(env)) return;
  try {
    warmEarly(new URL(resolveSetting('apiUrl', { apiUrl: apiUrlFlag }, { env }).value).origin);
  } catch {
    // the command reports its own settings errors
  }
}
