/**
 * PUT /upload/<token> — the local signer's upload route (SPEC "PUT signed_url"; seed 004 local handler).
 * No API auth: the HMAC token (signers/local.ts) is the authorisation.
 *
 * Single PUT (token without part number): streams the body into `BUCKET.put(key, body, {sha256})`.
 *   403 BAD_SIGNATURE forged/malformed token · 410 URL_EXPIRED expired, or already used (single-use:
 *   spent on success only) · 413 FILE_TOO_LARGE body larger than the intent's bytes (Content-Length
 *   checked first, the stream guarded too) · 422 CHECKSUM_MISMATCH body does not hash to the intent's
 *   checksum (R2 refuses it; nothing is kept) · 200 with `ETag` (the object's quoted etag).
 * Part (token with part number p): streams into `resumeMultipartUpload(key, uploadId).uploadPart(p)`;
 *   the URL may be used again until it expires (a part may be re-sent); 200 with `ETag` = the part's
 *   etag (quoted, like S3) and body `{"part_number", "etag"}` (seed 004). 410 when the upload is no longer open.
 */
import type { Context, Hono } from 'hono';
import { claimForUpload, getIntentById, releaseClaim, transitionIntent, type IntentRow } from '../db/intents.js';
import type { AppEnv } from '../lib/app-env.js';
import { HttpError, invalid } from '../lib/errors.js';
import { contentLength, drainBody, guardBody } from '../lib/stream-guard.js';
import { verifyLocalToken, type LocalTokenPayload } from '../signers/local.js';

function tooLarge(intent: IntentRow, max: number, got: number | null): HttpError {
  return new HttpError(
    'FILE_TOO_LARGE',
    `${intent.filename}: body is ${got === null ? 'more than' : got} bytes; this URL takes at most ${max} bytes`,
    { filename: intent.filename, bytes: got, max_bytes: max },
  );
}

function isChecksumError(e: unknown): boolean {
  return /sha-?256|checksum|digest|did not match/i.test(String(e instanceof Error ? e.message : e));
}

/** Streams the request body (exactly `expected` bytes, at most `max`) into `write`; maps stream errors. */
async function withGuardedBody<T>(
  c: Context<AppEnv>,
  intent: IntentRow,
  max: number,
  expected: number,
  write: (s: ReadableStream<Uint8Array>) => Promise<T>,
): Promise<T> {
  const guard = guardBody(c.req.raw.body, expected, max);
  try {
    const r = await write(guard.stream);
    await guard.done;
    if (guard.tooLarge) throw tooLarge(intent, max, null); // defensive; the guard withholds the tail
    return r;
  } catch (e) {
    if (e instanceof HttpError) throw e;
    await guard.done;
    if (guard.tooLarge) throw tooLarge(intent, max, null);
    if (guard.seen !== expected && !isChecksumError(e)) {
      throw invalid('body', `${intent.filename}: body ended after ${guard.seen} of ${expected} bytes`);
    }
    throw e;
  }
}

async function putSingle(c: Context<AppEnv>, intent: IntentRow, p: LocalTokenPayload): Promise<Response> {
  const len = contentLength(c.req.raw.headers);
  if (len !== null && len > p.b) throw tooLarge(intent, p.b, len);
  if (intent.status !== 'pending' || intent.claimed_at) {
    throw new HttpError('URL_EXPIRED', 'this upload URL was already used; request a new intent', { object_key: intent.object_key });
  }
  if (!(await claimForUpload(c.env.DB, intent.id, new Date()))) {
    throw new HttpError('URL_EXPIRED', 'this upload URL was already used; request a new intent', { object_key: intent.object_key });
  }
  let obj: R2Object;
  try {
    obj = await withGuardedBody(c, intent, p.b, len ?? intent.bytes, (stream) =>
      c.env.BUCKET.put(intent.object_key, stream, {
        sha256: intent.checksum ?? undefined,
        httpMetadata: { contentType: intent.mime },
        customMetadata: { intent_id: intent.id },
      }),
    );
  } catch (e) {
    await releaseClaim(c.env.DB, intent.id, new Date());
    if (e instanceof HttpError && e.code === 'FILE_TOO_LARGE') await c.env.BUCKET.delete(intent.object_key);
    if (e instanceof HttpError) throw e;
    if (isChecksumError(e)) {
      throw new HttpError('CHECKSUM_MISMATCH', `${intent.filename}: uploaded bytes do not hash to the declared SHA-256; nothing was stored`, {
        object_key: intent.object_key,
        expected: intent.checksum,
      });
    }
    throw e;
  }
  await transitionIntent(c.env.DB, intent.id, ['pending'], 'uploaded', new Date());
  return new Response(null, { status: 200, headers: { ETag: obj.httpEtag } });
}

async function putPart(c: Context<AppEnv>, intent: IntentRow, p: LocalTokenPayload, part: number): Promise<Response> {
  if (!intent.upload_id || intent.status !== 'pending') {
    throw new HttpError('URL_EXPIRED', 'this multipart upload is no longer open; request a new intent', { object_key: intent.object_key });
  }
  const len = contentLength(c.req.raw.headers);
  if (len !== null && len > p.b) throw tooLarge(intent, p.b, len);
  const mpu = c.env.BUCKET.resumeMultipartUpload(intent.object_key, intent.upload_id);
  const uploaded = await withGuardedBody(c, intent, p.b, len ?? p.b, (stream) => mpu.uploadPart(part, stream));
  // Header quoted like S3's UploadPart; complete accepts quoted or bare etags.
  return new Response(JSON.stringify({ part_number: uploaded.partNumber, etag: uploaded.etag }), {
    status: 200,
    headers: { ETag: `"${uploaded.etag}"`, 'Content-Type': 'application/json' },
  });
}

async function handleUpload(c: Context<AppEnv>): Promise<Response> {
  const secret = c.env.LOCAL_SIGNING_SECRET;
  if (!secret) throw new HttpError('NOT_FOUND', 'local upload route is not enabled');
  const p = await verifyLocalToken(secret, c.req.param('token') ?? '');
  if (!p) throw new HttpError('BAD_SIGNATURE', 'upload URL signature is invalid');
  if (p.e * 1000 <= Date.now()) {
    throw new HttpError('URL_EXPIRED', 'upload URL expired; request a new intent', { expired_at: new Date(p.e * 1000).toISOString() });
  }
  const intent = await getIntentById(c.env.DB, p.i);
  if (!intent || intent.object_key !== p.k) throw new HttpError('BAD_SIGNATURE', 'upload URL does not match any intent');
  return p.p === undefined ? putSingle(c, intent, p) : putPart(c, intent, p, p.p);
}

export function registerLocalUploadRoute(app: Hono<AppEnv>): void {
  app.put('/upload/:token', async (c) => {
    try {
      return await handleUpload(c);
    } catch (e) {
      // Refused before reading the body (403/410/413 …): read it to the end first, so the client
      // sees this answer rather than a connection reset while it is still sending.
      if (!c.req.raw.bodyUsed) await drainBody(c.req.raw.body);
      throw e;
    }
  });
}
