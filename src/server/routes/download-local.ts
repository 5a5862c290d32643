/**
 * GET /download/<token> — the local signer's download route (SPEC v2 "Downloads": local server HMAC token
 * route). No API auth: the token (signers/local-download.ts) is the authorisation.
 *
 * 403 BAD_SIGNATURE forged/changed/malformed token · 410 URL_EXPIRED after its 15 minutes ·
 * 404 FILE_NOT_FOUND when the file was deleted (or superseded, or its object is gone) meanwhile ·
 * 403 FILE_INFECTED when it was quarantined meanwhile · 200 with the object's bytes streamed from R2,
 * `Content-Type` the file's mime, `Content-Length`, `Content-Disposition: attachment; filename=…`
 * (RFC 6266, lib/content-disposition.ts). HEAD answers the same headers without the body.
 */
import type { Context, Hono } from 'hono';
import type { FileRow } from '../db/files.js';
import type { AppEnv } from '../lib/app-env.js';
import { attachmentDisposition } from '../lib/content-disposition.js';
import { HttpError } from '../lib/errors.js';
import { verifyDownloadToken } from '../signers/local-download.js';
import { fileNotFound } from './files.js';

async function handle(c: Context<AppEnv>, withBody: boolean): Promise<Response> {
  const secret = c.env.LOCAL_SIGNING_SECRET;
  if (!secret) throw new HttpError('NOT_FOUND', 'local download route is not enabled');
  const p = await verifyDownloadToken(secret, c.req.param('token') ?? '');
  if (!p) throw new HttpError('BAD_SIGNATURE', 'download URL signature is invalid');
  if (p.e * 1000 <= Date.now()) {
    throw new HttpError('URL_EXPIRED', 'download URL expired; ask for a new one', { expired_at: new Date(p.e * 1000).toISOString() });
  }
  const file = await c.env.DB.prepare(`SELECT * FROM files WHERE id = ?1`).bind(p.f).first<FileRow>();
  if (!file || file.object_key !== p.k || file.status === 'deleted' || file.status === 'superseded') throw fileNotFound(p.f);
  if (file.status === 'infected') throw new HttpError('FILE_INFECTED', `file ${p.f} is quarantined (malware found)`, { file_id: p.f });
  const obj = withBody ? await c.env.BUCKET.get(file.object_key) : await c.env.BUCKET.head(file.object_key);
  if (!obj) throw fileNotFound(p.f);
  const headers = new Headers({
    'Content-Type': file.mime,
    'Content-Length': String(obj.size),
    'Content-Disposition': attachmentDisposition(file.filename),
    ETag: obj.httpEtag,
    'Cache-Control': 'private, no-store',
  });
  return new Response(withBody && 'body' in obj ? (obj as R2ObjectBody).body : null, { status: 200, headers });
}

export function registerLocalDownloadRoute(app: Hono<AppEnv>): void {
  app.get('/download/:token', (c) => handle(c, c.req.method !== 'HEAD'));
}
