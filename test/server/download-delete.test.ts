/**
 * SPEC v2 "Downloads and delete" in local mode (issue 12 items 2, 3 and "Bad input and faults"):
 * the signed GET returns exactly the uploaded bytes with the original filename (RFC 6266, non-ASCII too);
 * a changed signature and an expired URL are refused; deleted and foreign files are 404 FILE_NOT_FOUND
 * on every new route; delete hides the file from the list; after 7 simulated days housekeeping removed
 * the object and its previews (`previews/<file_id>/…`), not before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDownloadToken } from '../../src/server/signers/local-download.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ALICE, api, BOB, randomBytes, sha256, uploadFile } from './_client.js';

const DAY = 24 * 3600_000;
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0 });
});
afterAll(async () => {
  await s?.close();
});

async function fetchBytes(url: string): Promise<{ status: number; headers: Headers; bytes: Uint8Array; json: unknown }> {
  const r = await fetch(url);
  const bytes = new Uint8Array(await r.arrayBuffer());
  let json: unknown = null;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    // bytes
  }
  return { status: r.status, headers: r.headers, bytes, json };
}

describe('downloads (local HMAC route)', () => {
  it('returns exactly the uploaded bytes with the original filename, 15 minutes', async () => {
    const bytes = randomBytes(300_000);
    const { fileId } = await uploadFile(s.url, bytes, { filename: 'IMG_0001.JPG' });
    const d = await api(s.url, 'GET', `/api/files/${fileId}/download`);
    expect(d.status).toBe(200);
    const body = d.body as unknown as { url: string; expires_at: string; filename: string; bytes: number; checksum: string };
    expect(body.url.startsWith(`${s.url}/download/`)).toBe(true);
    const ttl = Date.parse(body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    expect(body).toMatchObject({ filename: 'IMG_0001.JPG', bytes: 300_000, checksum: sha256(bytes) });
    const got = await fetchBytes(body.url);
    expect(got.status).toBe(200);
    expect(sha256(got.bytes)).toBe(sha256(bytes));
    expect(got.headers.get('content-disposition')).toBe('attachment; filename="IMG_0001.JPG"');
    expect(got.headers.get('content-type')).toBe('image/jpeg');
  });

  it('a non-ASCII name is sent as filename* (RFC 6266) with an ASCII fallback', async () => {
    const { fileId } = await uploadFile(s.url, randomBytes(1000), { filename: 'Küche "1".jpg' });
    const d = await api(s.url, 'GET', `/api/files/${fileId}/download`);
    const got = await fetchBytes((d.body as unknown as { url: string }).url);
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="K_che _1_.jpg"; filename*=UTF-8''K%C3%BCche%20%221%22.jpg`);
  });

  it('a changed signature or payload is 403 BAD_SIGNATURE; an expired URL is 410 URL_EXPIRED', async () => {
    const { fileId, intent } = await uploadFile(s.url, randomBytes(500), { filename: 'sig.jpg' });
    const url = (await api(s.url, 'GET', `/api/files/${fileId}/download`)).body as unknown as { url: string };
    const token = url.url.slice(url.url.lastIndexOf('/') + 1);
    const [payload, mac] = token.split('.');
    const flipped = `${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad = await fetchBytes(`${s.url}/download/${flipped}`);
    expect(bad.status).toBe(403);
    expect((bad.json as { error: { code: string } }).error.code).toBe('BAD_SIGNATURE');
    // a longer lifetime written into the payload breaks the MAC
    const longer = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), e: 9_999_999_999 })).toString('base64url');
    expect((await fetchBytes(`${s.url}/download/${longer}.${mac}`)).status).toBe(403);
    // 15 minutes later: a token the server signed with an expiry in the past
    const secret = readFileSync(join(s.stateDir, 'local-signing-secret'), 'utf8').trim();
    const old = await signDownloadToken(secret, { f: fileId, k: intent.object_key, e: Math.floor(Date.now() / 1000) - 1 });
    const expired = await fetchBytes(`${s.url}/download/${old}`);
    expect(expired.status).toBe(410);
    expect((expired.json as { error: { code: string } }).error.code).toBe('URL_EXPIRED');
  });

  it("another user's file and an unknown id are 404 FILE_NOT_FOUND on every new route", async () => {
    const { fileId } = await uploadFile(s.url, randomBytes(400), { filename: 'mine.jpg' });
    for (const [method, path] of [
      ['GET', `/api/files/${fileId}/download`],
      ['DELETE', `/api/files/${fileId}`],
      ['GET', '/api/files/f_nope/download'],
      ['DELETE', '/api/files/f_nope'],
    ] as const) {
      const r = await api(s.url, method, path, path.includes('nope') ? ALICE : BOB);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code).toBe('FILE_NOT_FOUND');
    }
    expect((await api(s.url, 'GET', '/api/orders/ORD-1/files?with_urls=1', BOB)).status).toBe(403);
    expect((await api(s.url, 'GET', `/api/files/${fileId}/download`)).status).toBe(200); // still Alice's
  });
});

describe('infected files (SPEC v2: quarantined, never downloadable)', () => {
  it('403 FILE_INFECTED for the download URL and for a URL signed before', async () => {
    const { fileId } = await uploadFile(s.url, randomBytes(800), { filename: 'bad.jpg' });
    const before = ((await api(s.url, 'GET', `/api/files/${fileId}/download`)).body as unknown as { url: string }).url;
    const db = await s.mf.getD1Database('DB');
    await db.prepare(`UPDATE files SET status = 'infected', status_reason = 'Eicar-Test-Signature' WHERE id = ?1`).bind(fileId).run();
    const r = await api(s.url, 'GET', `/api/files/${fileId}/download`);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('FILE_INFECTED');
    const old = await fetchBytes(before);
    expect(old.status).toBe(403);
    expect((old.json as { error: { code: string } }).error.code).toBe('FILE_INFECTED');
    const listed = (await api(s.url, 'GET', '/api/orders/ORD-1/files?with_urls=1&status=infected')).body.files;
    expect(listed.map((f) => [f.file_id, f.download_url])).toEqual([[fileId, undefined]]);
  });
});

describe('delete and housekeeping', () => {
  it('delete → gone from the list, 404 on download (also through an URL signed before); purged after 7 days', async () => {
    const bytes = randomBytes(2000);
    const { fileId, intent } = await uploadFile(s.url, bytes, { filename: 'gone.jpg', order_id: 'ORD-2' });
    const before = (await api(s.url, 'GET', `/api/files/${fileId}/download`)).body as unknown as { url: string };
    const bucket = await s.mf.getR2Bucket('BUCKET');
    await bucket.put(`previews/${fileId}/small.jpg`, new Uint8Array([1, 2, 3]));
    await bucket.put(`previews/${fileId}/large.jpg`, new Uint8Array([4, 5, 6]));

    const del = await api(s.url, 'DELETE', `/api/files/${fileId}`);
    expect(del.status).toBe(200);
    const body = del.body as unknown as { file_id: string; status: string; deleted_at: string };
    expect(body).toMatchObject({ file_id: fileId, status: 'deleted' });
    expect(Math.abs(Date.parse(body.deleted_at) - Date.now())).toBeLessThan(60_000);
    const again = await api(s.url, 'DELETE', `/api/files/${fileId}`);
    expect((again.body as unknown as { deleted_at: string }).deleted_at).toBe(body.deleted_at); // idempotent

    const listed = await api(s.url, 'GET', '/api/orders/ORD-2/files');
    expect(listed.body.files.map((f) => f.file_id)).not.toContain(fileId);
    const asked = await api(s.url, 'GET', '/api/orders/ORD-2/files?status=deleted');
    expect(asked.body.files.map((f) => [f.file_id, f.status])).toEqual([[fileId, 'deleted']]);
    const dl = await api(s.url, 'GET', `/api/files/${fileId}/download`);
    expect(dl.status).toBe(404);
    expect(dl.body.error.code).toBe('FILE_NOT_FOUND');
    expect((await fetchBytes(before.url)).status).toBe(404);
    // the same bytes may be uploaded again: a deleted file is no longer the order's content
    const re = await uploadFile(s.url, bytes, { filename: 'gone.jpg', order_id: 'ORD-2' });
    expect(re.fileId).not.toBe(fileId);

    // 6 days later: still there (restorable by an operator); 7 days + 1 h later: object and previews gone
    await s.runScheduled(new Date(Date.now() + 6 * DAY));
    expect(await bucket.head(intent.object_key)).not.toBeNull();
    await s.runScheduled(new Date(Date.now() + 7 * DAY + 3600_000));
    expect(await bucket.head(intent.object_key)).toBeNull();
    expect((await bucket.list({ prefix: `previews/${fileId}/` })).objects).toHaveLength(0);
    // the re-uploaded one (not deleted) is untouched
    expect(await bucket.head(re.intent.object_key)).not.toBeNull();
    const db = await s.mf.getD1Database('DB');
    const row = await db.prepare('SELECT status, purged_at FROM files WHERE id = ?1').bind(fileId).first<{ status: string; purged_at: string }>();
    expect(row?.status).toBe('deleted');
    expect(row?.purged_at).toBeTruthy();
  });
});
