/**
 * What every command needs: an API client (settings from resolve-settings.ts), error → exit-code mapping.
 */
import { PiximmoApi } from '../api/client.js';
import { isApiError } from '../api/errors.js';
import { CliExit, EXIT } from './exit-codes.js';
import { UPLOADING_COMMANDS } from './early-connect.js';
import { explain } from './messages.js';
import { failureFrom } from '../core/transfer/failures.js';
import { resolveCredentials } from './credentials.js';
import { UsageError } from './settings.js';
import { BandwidthLimiter } from '../core/transfer/bandwidth.js';
import { resolveSetting } from './resolve-settings.js';
import { writeJsonLine } from './render/json.js';
import { t } from './i18n/index.js';
import { VERSION } from './version.js';

/** Options every command accepts (SPEC "The CLI"). */
export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  json?: boolean;
  lang?: string;
}

export function userAgent(): string {
  return `piximmo-cli/${VERSION} (node ${process.versions.node})`;
}

/** An API client for commands that need a login; exit 3 with the login hint when there is no token. */
export function authedApi(g: GlobalOptions & { bwlimit?: string }): PiximmoApi {
  const { token, apiUrl } = resolveCredentials(g);
  if (!token) {
    throw new CliExit(EXIT.AUTH, `${t('fail.UNAUTHENTICATED')} ${t('fail.UNAUTHENTICATED.hint')}`, 'UNAUTHENTICATED');
  }
  const rate = resolveSetting('bwlimit', g).value;
  let throttle: ((n: number, signal?: AbortSignal) => Promise<void>) | undefined;
  if (rate !== undefined) {
    const limiter = new BandwidthLimiter(rate);
    throttle = (n, signal) => limiter.take(n, signal);
  }
  return new PiximmoApi({ apiUrl, token, userAgent: userAgent(), stallMs: stallMsFromEnv(), throttle });
}

/**
 * SPEC: a transfer with no byte moving for 30 s is stalled. `PIXIMMO_STALL_MS` shortens it (tests, and
 * links where 30 s is too patient); values under 1 s are refused as a typo.
 */
export function stallMsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.PIXIMMO_STALL_MS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 1000 ? n : undefined;
}

/**
 * Runs a command body and turns whatever it throws into SPEC's exit codes and a clear message on stderr
 * (and an `error` event on stdout with --json). `command`: its name; the advice to run it again mentions
 * registered files only for the commands that upload (UPLOADING_COMMANDS, early-connect.ts).
 */
export async function runCommand(g: GlobalOptions, body: () => Promise<number | undefined>, command = ''): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? EXIT.OK;
  } catch (err) {
    const { code, reason, message } = toExit(err, { uploads: UPLOADING_COMMANDS.has(command) });
    const figures = (err as { figures?: Record<string, number> }).figures; // QuotaExit: bytes need/left/used/limit
    if (g.json) writeJsonLine({ event: 'error', code: reason, detail: message, ...(figures ? { quota: figures } : {}) });
    process.stderr.write(`${message}\n`);
    process.exitCode = code;
  }
}

function toExit(err: unknown, how: { uploads: boolean }): { code: number; reason: string; message: string } {
  if (err instanceof CliExit) return { code: err.code, reason: err.reason, message: err.message };
  if (err instanceof UsageError) return { code: EXIT.USAGE, reason: 'USAGE', message: err.message };
  if (isApiError(err)) {
    if (err.status === 401) {
      const ex = explain({ code: 'UNAUTHENTICATED', detail: err.message }, how);
      return { code: EXIT.AUTH, reason: 'UNAUTHENTICATED', message: `${ex.text} ${ex.hint}` };
    }
    if (err.code === 'ORDER_FORBIDDEN') {
      const order = typeof err.details?.order_id === 'string' ? err.details.order_id : '';
      const ex = explain({ code: 'ORDER_FORBIDDEN', detail: err.message, params: { order } }, how);
      return { code: EXIT.ORDER_FORBIDDEN, reason: 'ORDER_FORBIDDEN', message: `${ex.text} ${ex.hint}` };
    }
    const f = err.kind === 'protocol' ? { ...failureFrom(err), code: 'BAD_RESPONSE' } : err.kind === 'network' ? failureFrom(err) : { code: err.code, detail: `${err.operation}: ${err.message}` };
    const ex = explain(f, how);
    return { code: EXIT.FAILED, reason: err.code, message: `${ex.text} ${ex.hint}` };
  }
  const e = err as { message?: string; stack?: string };
  return { code: EXIT.FAILED, reason: 'INTERNAL', message: t('error.unexpected', { detail: e?.stack ?? e?.message ?? String(err) }) };
}
