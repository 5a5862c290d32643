/**
 * `piximmo download FILE_ID… [-o DIR] [--force]` (issue 12): for each file asks the server for a signed
 * download URL (SPEC v2 `GET /api/files/:id/download`), streams the original into DIR under its original
 * filename, checks size and SHA-256 against the server's record (nothing is kept when they differ), and
 * never overwrites an existing file unless `--force`. Files are fetched one after another; one failure
 * does not stop the others.
 *
 * Exit code: 0 all downloaded, 1 some failed, 2 unusable target folder, 3 not logged in.
 * --json: one `download` event per file `{file_id, state: "downloaded"|"failed", path?, bytes?, sha256?,
 * error?: {code, detail}}`, then `download_summary {files, downloaded, failed, dir}`.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { downloadToFile } from '../../api/download.js';
import { isApiError } from '../../api/errors.js';
import { authedApi, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes } from '../format.js';
import { t } from '../i18n/index.js';
import { explain } from '../messages.js';
import { writeJsonLine } from '../render/json.js';
import { UsageError } from '../settings.js';

export interface DownloadOptions extends GlobalOptions {
  output?: string;
  force?: boolean;
}

/** The server's filename as a plain name in `dir` (no path parts, never empty). */
export function targetName(filename: string, fileId: string): string {
  const base = path.basename(filename.replace(/\\/g, '/')).replace(/[\u0000-\u001f]/g, '_');
  return base && base !== '.' && base !== '..' ? base : fileId;
}

async function prepareDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
  } catch (err) {
    throw new UsageError(t('download.badDir', { dir, cause: (err as NodeJS.ErrnoException).code ?? String(err) }));
  }
}

export async function downloadCommand(ids: string[], opts: DownloadOptions): Promise<number> {
  const dir = path.resolve(opts.output ?? '.');
  await prepareDir(dir);
  const api = authedApi(opts);
  let ok = 0;
  try {
    for (const id of ids) {
      try {
        const d = await api.downloadUrl(id);
        const dest = path.join(dir, targetName(d.filename, id));
        if (!opts.force && (await stat(dest).then(() => true, () => false))) {
          throw Object.assign(new Error(dest), { code: 'FILE_EXISTS' });
        }
        const r = await downloadToFile(api.dispatcher, d.url, dest, { bytes: d.bytes, sha256: d.checksum }, { force: opts.force });
        ok++;
        if (opts.json) writeJsonLine({ event: 'download', file_id: id, state: 'downloaded', path: dest, bytes: r.bytes, sha256: r.sha256 });
        else process.stdout.write(`${t('download.done', { id, path: dest, size: formatBytes(r.bytes) })}\n`);
      } catch (err) {
        if (isApiError(err) && err.status === 401) throw err;
        const code = (err as { code?: string }).code ?? 'ERROR';
        const detail = err instanceof Error ? err.message : String(err);
        if (opts.json) writeJsonLine({ event: 'download', file_id: id, state: 'failed', error: { code, detail } });
        else if (code === 'CHECKSUM_MISMATCH') process.stderr.write(`${t('download.mismatch', { id })}\n`);
        else {
          const ex = explain({ code, detail }, { uploads: false });
          process.stderr.write(`${t('download.failed', { id, text: ex.text, hint: ex.hint })}\n`);
        }
      }
    }
  } finally {
    await api.close();
  }
  if (opts.json) writeJsonLine({ event: 'download_summary', files: ids.length, downloaded: ok, failed: ids.length - ok, dir });
  else process.stdout.write(`${t('download.summary', { ok, n: ids.length, dir })}\n`);
  return ok === ids.length ? EXIT.OK : EXIT.FAILED;
}
