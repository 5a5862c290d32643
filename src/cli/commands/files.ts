/**
 * `piximmo files --order ID [--status S] [--room ROOM]` (issue 12): what the server has in an order, every
 * page of the listing (SPEC v2 "Listing, with pages and URLs"), with each file's status (SPEC v2 lifecycle,
 * in the user's words) and which previews are there. `--room` takes a folder name as the photographer
 * writes it ("Küche", "Schlafzimmer 2") and maps it like the upload does; `--status` one of the v2 states
 * (default: everything listed, i.e. not deleted or superseded).
 * --json: one `server_file` event per file with the server's fields (`status`, `previews`, …).
 */
import type { FileRecord, FileStatus } from '../../contract/api.js';
import { normalizeRoom } from '../../core/plan/layout.js';
import { authedApi, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { cell, formatBytes } from '../format.js';
import { t, type MessageKey } from '../i18n/index.js';
import { writeJsonLine } from '../render/json.js';
import { visible } from '../render/visible.js';
import { resolveSetting } from '../resolve-settings.js';
import { UsageError } from '../settings.js';

export const FILE_STATUSES: readonly FileStatus[] = ['uploaded', 'processing', 'ready', 'failed', 'infected', 'deleted', 'superseded'];

export interface FilesOptions extends GlobalOptions {
  order: string;
  status?: string;
  room?: string;
}

/** "ready" → the user's word for it. */
export function fileStatusWord(s: string): string {
  const key = `file.status.${s}`;
  return (FILE_STATUSES as readonly string[]).includes(s) ? t(key as MessageKey) : s;
}

/** Preview availability as a short cell: yes (any size made), pending (not processed yet), none. */
function previewsCell(f: FileRecord): string {
  const p = f.previews ?? [];
  if (p.length > 0) return t('files.previews.yes');
  return f.status === 'uploaded' || f.status === 'processing' ? t('files.previews.pending') : t('files.previews.none');
}

export async function filesCommand(opts: FilesOptions): Promise<number> {
  const status = opts.status?.toLowerCase();
  if (status && !(FILE_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(t('files.badStatus', { value: opts.status, list: FILE_STATUSES.join(', ') }));
  }
  const room = opts.room ? normalizeRoom(opts.room, resolveSetting('roomAliases').value) : undefined;
  const api = authedApi(opts);
  try {
    const { files } = await api.listAllFiles(opts.order, { status: status as FileStatus | undefined, room_type: room });
    files.sort((a, b) => a.room_type.localeCompare(b.room_type) || a.stack_id.localeCompare(b.stack_id) || a.filename.localeCompare(b.filename));
    // Issue 16: an infected file in the order makes the command exit 1 (both output modes).
    const infected = files.filter((f) => f.status === 'infected');
    const code = infected.length > 0 ? EXIT.FAILED : EXIT.OK;
    if (opts.json) {
      for (const f of files) writeJsonLine({ event: 'server_file', order_id: opts.order, ...f });
      return code;
    }
    if (files.length === 0) {
      process.stdout.write(`${t('files.none', { order: opts.order })}\n`);
      return EXIT.OK;
    }
    // Header and rows through one layout (the header is one message, columns split at "|").
    const row = (c: string[]): string =>
      `${cell(c[0], 12)} ${cell(c[1], 6)} ${cell(c[2], 22)} ${cell(c[3], 9)} ${cell(c[4], 9, 'right')}  ${cell(c[5], 28)} ${c[6]}\n`;
    process.stdout.write(row(t('files.head').split('|')));
    for (const f of files) {
      process.stdout.write(row([f.room_type, f.stack_id, fileStatusWord(f.status), previewsCell(f), formatBytes(f.bytes), visible(f.filename), f.file_id]));
    }
    process.stdout.write(`${t('files.total', { n: files.length, size: formatBytes(files.reduce((s, f) => s + f.bytes, 0)) })}\n`);
    if (infected.length > 0) {
      const names = infected.map((f) => `${visible(f.filename)} (${visible(f.status_reason ?? '?')})`).join(', ');
      process.stdout.write(`${t('files.infected', { n: infected.length, names })}\n`);
    }
    return code;
  } finally {
    await api.close();
  }
}
