/**
 * Routes on one file (SPEC v2 "Downloads and delete"):
 * - GET /api/files/:file_id/download → DownloadResponse `{url, expires_at, filename, bytes, checksum}`:
 *   a signed GET of the original, 15 minutes, answered with `Content-Disposition: attachment`.
 *   404 FILE_NOT_FOUND for an unknown id, another user's file, or a deleted/superseded one (not told
 *   apart); 403 FILE_INFECTED for a quarantined file (SPEC v2 lifecycle: never downloadable); 409 SCAN_PENDING
 *   while a configured scanner has not passed it (issue 16, scan/gate.ts).
 * - DELETE /api/files/:file_id → DeleteFileResponse `{file_id, status: "deleted", deleted_at}`: soft
 *   delete; housekeeping removes the object and its previews 7 days later (housekeeping-files.ts).
 *   Deleting a deleted file again answers the same (first deleted_at). 404 FILE_NOT_FOUND as above.
 */
import type { Hono } from 'hono';
import type { DeleteFileResponse, DownloadResponse } from '../../contract/api.js';
import { getOwnedFile, softDeleteFile } from '../db/file-access.js';
import type { FileRow } from '../db/files.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { signDownload } from '../lib/download-url.js';
import { HttpError } from '../lib/errors.js';
import { awaitingScan } from '../scan/gate.js';

export function fileNotFound(fileId: string): HttpError {
  return new HttpError('FILE_NOT_FOUND', `file ${fileId} does not exist`, { file_id: fileId });
}

/** The states whose original can be downloaded: everything listed except infected. */
export function downloadable(f: FileRow): boolean {
  return f.status !== 'deleted' && f.status !== 'superseded' && f.status !== 'infected';
}

export function registerFileRoutes(app: Hono<AppEnv>): void {
  app.get('/api/files/:file_id/download', requireAuth, async (c) => {
    const fileId = c.req.param('file_id');
    const file = await getOwnedFile(c.env.DB, fileId, c.var.user.id);
    if (!file || file.status === 'deleted' || file.status === 'superseded') throw fileNotFound(fileId);
    if (file.status === 'infected') throw new HttpError('FILE_INFECTED', `file ${fileId} is quarantined (malware found)`, { file_id: fileId });
    if (awaitingScan(c.env, file)) {
      throw new HttpError('SCAN_PENDING', `file ${fileId} has not been scanned for malware yet (${file.status}); try again shortly`, { file_id: fileId, status: file.status });
    }
    const { signer, origin } = c.var.services;
    const d = await signDownload(signer, file, origin);
    return c.json<DownloadResponse>({
      url: d.url,
      expires_at: d.expiresAt.toISOString(),
      filename: file.filename,
      bytes: file.bytes,
      checksum: file.checksum,
    });
  });

  app.delete('/api/files/:file_id', requireAuth, async (c) => {
    const fileId = c.req.param('file_id');
    const row = await softDeleteFile(c.env.DB, fileId, c.var.user.id, new Date());
    if (!row?.deleted_at) throw fileNotFound(fileId);
    return c.json<DeleteFileResponse>({ file_id: row.id, status: 'deleted', deleted_at: row.deleted_at });
  });
}
