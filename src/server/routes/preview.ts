/**
 * Previews (SPEC v2 "Previews"):
 * - GET /api/files/:file_id/preview?size=small|medium|large|original (default medium) → PreviewResponse
 *   `{url, size, width, height, expires_at}`: a signed GET of the JPEG (signers/preview-url.ts, 15 min).
 *   404 FILE_NOT_FOUND: no such file, another user's file, or a deleted/superseded one;
 *   404 PREVIEW_NOT_READY: the file is `uploaded` or `processing`;
 *   404 NO_PREVIEW: the file has no preview of that size (video, no usable image, failed, infected);
 *   400 VALIDATION_FAILED: an unknown size (PreviewQuerySchema).
 * - GET /preview/<token> (local signer only; no API auth — the token is the authorisation): the JPEG,
 *   `Content-Type: image/jpeg`. 403 BAD_SIGNATURE forged/malformed · 410 URL_EXPIRED after 15 minutes ·
 *   404 FILE_NOT_FOUND when the file was deleted meanwhile or the preview is gone.
 */
import type { Hono } from 'hono';
import type { PreviewResponse } from '../../contract/api.js';
import { isFileStatus } from '../domain/lifecycle.js';
import type { AppEnv } from '../lib/app-env.js';
import { requireAuth } from '../lib/auth.js';
import { HttpError } from '../lib/errors.js';
import { validQuery } from '../lib/valid.js';
import { PreviewQuerySchema } from '../../contract/requests.js';
import { headPreview, openObject } from '../processing/object-io.js';
import { previewKey } from '../processing/preview-sizes.js';
import { PREVIEW_URL_TTL_SECONDS, signPreviewUrl, verifyPreviewToken } from '../signers/preview-url.js';

interface PreviewRow {
  id: string;
  user_id: string;
  status: string;
  previews: string | null;
}

const notFound = (fileId: string) => new HttpError('FILE_NOT_FOUND', `file ${fileId} not found`, { file_id: fileId });

async function loadFile(db: D1Database, fileId: string): Promise<PreviewRow | null> {
  return db.prepare('SELECT id, user_id, status, previews FROM files WHERE id = ?1').bind(fileId).first<PreviewRow>();
}

function sizesOf(row: PreviewRow): string[] {
  try {
    const v: unknown = JSON.parse(row.previews ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

const gone = (status: string) => status === 'deleted' || status === 'superseded';

export function registerPreviewRoutes(app: Hono<AppEnv>): void {
  app.get('/api/files/:file_id/preview', requireAuth, validQuery(PreviewQuerySchema), async (c) => {
    const fileId = c.req.param('file_id');
    const { size } = c.req.valid('query');
    const row = await loadFile(c.env.DB, fileId);
    if (!row || row.user_id !== c.var.user.id || !isFileStatus(row.status) || gone(row.status)) throw notFound(fileId);
    if (row.status === 'uploaded' || row.status === 'processing') {
      throw new HttpError('PREVIEW_NOT_READY', `file ${fileId} is still ${row.status}; try again shortly`, { file_id: fileId, status: row.status });
    }
    const noPreview = () => new HttpError('NO_PREVIEW', `file ${fileId} has no ${size} preview`, { file_id: fileId, status: row.status, size });
    if (row.status !== 'ready' || !sizesOf(row).includes(size)) throw noPreview();
    const dims = await headPreview(c.env, previewKey(fileId, size));
    if (!dims) throw noPreview();
    const { cfg, origin } = c.var.services;
    const expiresAt = new Date(Date.now() + PREVIEW_URL_TTL_SECONDS * 1000);
    const url = await signPreviewUrl(c.env, cfg.signer, origin, fileId, size, expiresAt);
    return c.json<PreviewResponse>({ url, size, width: dims.width, height: dims.height, expires_at: expiresAt.toISOString() });
  });

  app.get('/preview/:token', async (c) => {
    const secret = c.env.LOCAL_SIGNING_SECRET;
    if (!secret) throw new HttpError('NOT_FOUND', 'local preview route is not enabled');
    const p = await verifyPreviewToken(secret, c.req.param('token'));
    if (!p) throw new HttpError('BAD_SIGNATURE', 'preview URL signature is invalid');
    if (p.e * 1000 <= Date.now()) {
      throw new HttpError('URL_EXPIRED', 'preview URL expired; ask for a new one', { expired_at: new Date(p.e * 1000).toISOString() });
    }
    const row = await loadFile(c.env.DB, p.f);
    if (!row || gone(row.status)) throw notFound(p.f);
    const body = await openObject(c.env, previewKey(p.f, p.s));
    if (!body) throw notFound(p.f);
    return new Response(body, { headers: { 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, max-age=900' } });
  });
}
