/**
 * SPEC v2 downloads in S3 mode against the signature-checking stub (_s3-stub.ts): the download URL is a
 * SigV4 presigned GET (15 minutes) that the store answers with exactly the uploaded bytes and the
 * signed `Content-Disposition`; a changed signature or a changed disposition is refused (403), and the
 * same URL 15 minutes later is expired.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, finalize, intent, put, randomBytes, sha256 } from './_client.js';
import { startS3Stub, verifySigV4, type S3Stub } from './_s3-stub.js';

let stub: S3Stub;
let s: TestServer;
beforeAll(async () => {
  stub = await startS3Stub();
  s = await startTestServer({
    storage: 's3',
    s3: { endpoint: stub.url, bucket: stub.bucket, region: 'eu-test-1', accessKeyId: stub.accessKeyId, secretAccessKey: stub.secretAccessKey },
    intentRate: 0,
    persist: false,
  });
});
afterAll(async () => {
  await s?.close();
  await stub?.close();
});

describe('download URL (S3 mode, SigV4 presigned GET)', () => {
  it('gives the bytes with the original filename; tampering and age are refused', async () => {
    const bytes = randomBytes(70_000);
    const i = await intent(s.url, { bytes: bytes.length, checksum: sha256(bytes), filename: 'Bad 2.HEIC', mime: 'image/heic' });
    expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
    const f = await finalize(s.url, { object_key: i.body.object_key, bytes: bytes.length, checksum: sha256(bytes) });
    const d = await api(s.url, 'GET', `/api/files/${f.body.file_id}/download`);
    const url = (d.body as unknown as { url: string }).url;

    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="Bad 2.HEIC"');
    expect(r.headers.get('content-type')).toBe('image/heic');
    expect(sha256(new Uint8Array(await r.arrayBuffer()))).toBe(sha256(bytes));

    const u = new URL(url);
    const sig = u.searchParams.get('X-Amz-Signature')!;
    u.searchParams.set('X-Amz-Signature', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    expect((await fetch(u)).status).toBe(403);
    const other = new URL(url);
    other.searchParams.set('response-content-disposition', 'attachment; filename="evil.exe"');
    expect((await fetch(other)).status).toBe(403);

    const asStore = (at: number) => {
      const p = new URL(url);
      const req = { url: p.pathname + p.search, method: 'GET', headers: { host: p.host } } as unknown as http.IncomingMessage;
      return verifySigV4(req, stub, at);
    };
    expect(asStore(Date.now() + 14 * 60_000)).toBeNull();
    expect(asStore(Date.now() + 16 * 60_000)).toBe('Request has expired');
  });
});
