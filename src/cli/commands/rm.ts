/**
 * `piximmo rm FILE_ID… [--yes]` (issue 12): soft-deletes files on the server (SPEC v2
 * `DELETE /api/files/:id`; housekeeping removes them for good 7 days later). On a terminal it asks first;
 * without a terminal, or with --json, it never prompts and needs `--yes` (else exit 2, nothing deleted).
 * One failure (e.g. 404 FILE_NOT_FOUND) does not stop the others.
 *
 * Exit code: 0 all deleted, 1 some failed, 2 not confirmed, 3 not logged in.
 * --json: one `rm` event per file `{file_id, state: "deleted"|"failed", deleted_at?, error?: {code, detail}}`,
 * then `rm_summary {files, deleted, failed}`.
 */
import { createInterface } from 'node:readline/promises';
import { isApiError } from '../../api/errors.js';
import { authedApi, type GlobalOptions } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { t } from '../i18n/index.js';
import { explain } from '../messages.js';
import { writeJsonLine } from '../render/json.js';

export interface RmOptions extends GlobalOptions {
  yes?: boolean;
}

/** Asks on the terminal; true for y/yes/j/ja. */
async function confirm(n: number): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const a = (await rl.question(t('rm.confirm', { n }))).trim().toLowerCase();
    return ['y', 'yes', 'j', 'ja'].includes(a);
  } finally {
    rl.close();
  }
}

export async function rmCommand(ids: string[], opts: RmOptions): Promise<number> {
  if (!opts.yes) {
    const interactive = !opts.json && process.stdin.isTTY && process.stderr.isTTY;
    if (!interactive) throw new CliExit(EXIT.USAGE, t('rm.needYes'), 'CONFIRMATION_NEEDED');
    if (!(await confirm(ids.length))) {
      process.stderr.write(`${t('rm.cancelled')}\n`);
      return EXIT.OK;
    }
  }
  const api = authedApi(opts);
  let ok = 0;
  try {
    for (const id of ids) {
      try {
        const r = await api.deleteFile(id);
        ok++;
        if (opts.json) writeJsonLine({ event: 'rm', file_id: id, state: 'deleted', deleted_at: r.deleted_at });
        else process.stdout.write(`${t('rm.done', { id, at: r.deleted_at })}\n`);
      } catch (err) {
        if (isApiError(err) && err.status === 401) throw err;
        const code = isApiError(err) ? err.code : 'ERROR';
        const detail = err instanceof Error ? err.message : String(err);
        if (opts.json) writeJsonLine({ event: 'rm', file_id: id, state: 'failed', error: { code, detail } });
        else process.stderr.write(`${t('rm.failed', { id, text: `${explain({ code, detail }).text} ${explain({ code, detail }).hint}` })}\n`);
      }
    }
  } finally {
    await api.close();
  }
  if (opts.json) writeJsonLine({ event: 'rm_summary', files: ids.length, deleted: ok, failed: ids.length - ok });
  else process.stdout.write(`${t('rm.summary', { ok, n: ids.length })}\n`);
  return ok === ids.length ? EXIT.OK : EXIT.FAILED;
}
