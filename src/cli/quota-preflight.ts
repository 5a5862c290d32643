/**
 * Quota pre-flight (SPEC "CLI rules added in v2": "Before the first byte the CLI compares the bytes it
 * still has to send with the quota left (`GET /api/me`) and stops with exit 5 naming both when they do
 * not fit"). Bytes still to send = the files the manifest does not already hold as registered (the same
 * rule as the engine's). A server without quotas (pre-v2: no `quota` in /api/me) is not checked; a
 * failed /api/me other than 401 is left to the upload's own error handling.
 */
import type { PiximmoApi } from '../api/client.js';
import { isApiError } from '../api/errors.js';
import type { MeResponse } from '../contract/api.js';
import { alreadyRegistered } from '../core/transfer/engine.js';
import type { FileOutcome, PlannedFile } from '../core/transfer/events.js';
import { CliExit, EXIT } from './exit-codes.js';
import { formatBytes } from './format.js';
import { t } from './i18n/index.js';

/** Bytes of the files a run will still send (not {@link alreadyRegistered}, the engine's rule). */
export function bytesToSend(files: readonly PlannedFile[]): number {
  let n = 0;
  for (const f of files) if (!alreadyRegistered(f)) n += f.bytes;
  return n;
}

export interface QuotaShortfall {
  need: number;
  left: number;
  used: number;
  limit: number;
}

/**
 * Throws CliExit 5 (reason QUOTA_EXCEEDED) naming both figures when `files` do not fit the quota left.
 * Returns the /api/me answer it read (undefined: nothing to send, or no answer), so the run reads it once.
 */
export async function checkQuota(api: Pick<PiximmoApi, 'me'>, files: readonly PlannedFile[]): Promise<MeResponse | undefined> {
  const need = bytesToSend(files);
  if (need === 0) return undefined;
  let me: MeResponse;
  try {
    me = await api.me();
  } catch (err) {
    if (isApiError(err) && err.status === 401) throw err;
    return undefined;
  }
  const quota = me.quota;
  if (!quota) return me;
  const left = Math.max(0, quota.bytes_limit - quota.bytes_used);
  if (need <= left) return me;
  const params = { need: formatBytes(need), left: formatBytes(left), used: formatBytes(quota.bytes_used), limit: formatBytes(quota.bytes_limit) };
  throw new QuotaExit({ need, left, used: quota.bytes_used, limit: quota.bytes_limit }, `${t('quota.exceeded', params)} ${t('quota.exceeded.hint')}`);
}

/** Exit 5 with the figures (bytes) for --json. */
export class QuotaExit extends CliExit {
  constructor(
    readonly figures: QuotaShortfall,
    message: string,
  ) {
    super(EXIT.QUOTA, message, 'QUOTA_EXCEEDED');
  }
}

/**
 * SPEC exit 5 also for a run whose files were refused with 413 QUOTA_EXCEEDED after the pre-flight passed
 * (another upload used the space meanwhile): a run that would exit 1 exits 5 when a failure was the quota.
 */
export function withQuotaExit(code: number, outcomes: readonly Pick<FileOutcome, 'state' | 'failure'>[]): number {
  if (code !== EXIT.FAILED) return code;
  return outcomes.some((o) => o.state === 'failed' && o.failure?.code === 'QUOTA_EXCEEDED') ? EXIT.QUOTA : code;
}
