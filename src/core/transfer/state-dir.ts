/**
 * Where piximmo keeps its state (manifests): never on the card or in the shoot folder (SPEC "Manifest").
 *
 * `$PIXIMMO_STATE_DIR`, else `$XDG_STATE_HOME/piximmo`; else the platform's place (issue 14, env-paths):
 * - Linux and other Unixes: `~/.local/state/piximmo` (XDG; unchanged);
 * - macOS: `~/Library/Application Support/piximmo`;
 * - Windows: `%LOCALAPPDATA%\piximmo\Data`.
 * The config store (src/cli/settings.ts, conf) is placed by env-paths the same way: `$PIXIMMO_CONFIG_DIR`,
 * else `$XDG_CONFIG_HOME/piximmo` / `~/Library/Preferences/piximmo` / `%APPDATA%\piximmo\Config`.
 */
import path from 'node:path';
import envPaths from 'env-paths';

/** The state folder for `env` on this platform (process.platform, as env-paths reads it). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIXIMMO_STATE_DIR) return env.PIXIMMO_STATE_DIR;
  if (env.XDG_STATE_HOME) return path.join(env.XDG_STATE_HOME, 'piximmo');
  if (process.platform === 'darwin' || process.platform === 'win32') return envPaths('piximmo', { suffix: '' }).data;
  return path.join(env.HOME || env.USERPROFILE || '.', '.local', 'state', 'piximmo');
}
