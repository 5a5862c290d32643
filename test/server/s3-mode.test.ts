/**
 * `--storage s3`: the local server signs for an S3-compatible endpoint (here the in-test stub of
 * _s3-stub.ts, which checks every SigV4 signature itself). Intents → SigV4 query-signed path-style PUT
 * URLs; finalize → signed HEAD (size, and SHA-256 when the store reports it); multipart via signed
 * S3 XML requests; housekeeping deletes through the store. Real Miniflare, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, finalize, intent, put, randomBytes, sha256 } from './_client.js';
import { startS3Stub, type S3Stub } from './_s3-stub.js';

const MiB = 1024 * 1024;
let stub: S3Stub;
let s: TestServer;

beforeAll(async () => {
  stub = await startS3Stub();
  s = await startTestServer({
    storage: 's3',
    s3: { endpoint: stub.url, bucket: stub.bucket, region: 'eu-test-1', accessKeyId: stub.accessKeyId, secretAccessKey: stub.secretAccessKey },
    intentRate: 0,
    multipartThreshold: 6 * MiB,
    partSize: 5 * MiB,
    persist: false,
  });
});
afterAll(async () => {
  await s?.close();
  await stub?.close();
});

describe('single PUT', () => {
  it('intent → SigV4 URL to <endpoint>/<bucket>/<key> → PUT with exactly the returned headers → finalize by signed HEAD', async () => {
    const bytes = randomBytes(1000);
    const i = await intent(s.url, { bytes: 1000, checksum: sha256(bytes) });
    expect(i.status).toBe(200);
    const u = new URL(i.body.signed_url);
    expect(`${u.origin}${u.pathname}`).toBe(`${stub.url}/${stub.bucket}/${i.body.object_key}`);
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host;if-none-match;x-amz-checksum-sha256');
    expect(u.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDSTUB\/\d{8}\/eu-test-1\/s3\/aws4_request$/);
    expect(i.body.headers).toEqual({
      'Content-Type': 'image/jpeg',
      'If-None-Match': '*',
      'x-amz-checksum-sha256': Buffer.from(sha256(bytes), 'hex').toString('base64'),
    });
    expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
    expect(stub.objects.get(i.body.object_key)?.body.equals(bytes)).toBe(true);
    const f = await finalize(s.url, { object_key: i.body.object_key, bytes: 1000, checksum: sha256(bytes) });
    expect(f.status).toBe(200);
    const head = stub.log.filter((r) => r.method === 'HEAD').at(-1);
    expect(head).toMatchObject({ key: i.body.object_key, auth: 'header', status: 200 });
    expect(head?.signedHeaders).toContain('x-amz-checksum-mode');
    const files = await api(s.url, 'GET', '/api/orders/ORD-1/files');
    expect(files.body.files.map((x) => x.file_id)).toContain(f.body.file_id);
    // issue 15: /api/me names the S3 endpoint's origin, where the signed URLs point (not the API's)
    const me = await api(s.url, 'GET', '/api/me');
    expect((me.body as unknown as { storage_origin: string }).storage_origin).toBe(new URL(i.body.signed_url).origin);
    expect((me.body as unknown as { storage_origin: string }).storage_origin).not.toBe(new URL(s.url).origin);
  });

  it('the URL takes exactly the returned headers: one missing, changed or added → 403; a second PUT → 412', async () => {
    const bytes = randomBytes(300);
    const i = await intent(s.url, { bytes: 300, checksum: sha256(bytes) });
    const h = i.body.headers;
    const { "If-None-Match": _inm, ...withoutInm } = h;
    expect((await put(i.body.signed_url, withoutInm, bytes)).status).toBe(403);
    expect((await put(i.body.signed_url, { ...h, 'Content-Type': 'image/png' }, bytes)).status).toBe(403);
    expect((await put(i.body.signed_url, { ...h, 'x-amz-meta-extra': '1' }, bytes)).status).toBe(403);
    expect((await put(i.body.signed_url.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000'), h, bytes)).status).toBe(403);
    expect(stub.objects.has(i.body.object_key)).toBe(false);
    expect((await put(i.body.signed_url, h, bytes)).status).toBe(200);
    expect((await put(i.body.signed_url, h, bytes)).status).toBe(412); // If-None-Match: * (SPEC: single use)
  });

  it('finalize: 409 when the object is missing or its size differs', async () => {
    const bytes = randomBytes(500);
    const i = await intent(s.url, { bytes: 500, checksum: sha256(bytes) });
    const missing = await finalize(s.url, { object_key: i.body.object_key, bytes: 500, checksum: sha256(bytes) });
    expect(missing.status).toBe(409);
    expect(missing.body.error.code).toBe('OBJECT_MISSING');
    await put(i.body.signed_url, i.body.headers, bytes);
    const wrong = await finalize(s.url, { object_key: i.body.object_key, bytes: 501, checksum: sha256(bytes) });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.details).toMatchObject({ expected_bytes: 500, stored_bytes: 500, finalize_bytes: 501 }); // SPEC v2: bound to the intent's bytes
  });

  it('checksum: the store refuses a body that does not hash to the signed SHA-256 (400), and finalize compares the reported one (422)', async () => {
    const bytes = randomBytes(400);
    const i = await intent(s.url, { bytes: 400, checksum: sha256(bytes) });
    const bad = await put(i.body.signed_url, i.body.headers, randomBytes(400));
    expect(bad.status).toBe(400);
    expect(String(bad.body)).toContain('BadDigest');
    expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
    // corrupted at rest: the store now reports another SHA-256
    stub.objects.get(i.body.object_key)!.checksum = Buffer.from(sha256('other'), 'hex').toString('base64');
    const f = await finalize(s.url, { object_key: i.body.object_key, bytes: 400, checksum: sha256(bytes) });
    expect(f.status).toBe(422);
    expect(f.body.error.code).toBe('CHECKSUM_MISMATCH');
  });

  it('no checksum at intent → none signed; finalize checks the size only (the store reports no SHA-256)', async () => {
    const bytes = randomBytes(200);
    const i = await intent(s.url, { bytes: 200 });
    expect(i.body.headers).toEqual({ 'Content-Type': 'image/jpeg', 'If-None-Match': '*' });
    expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
    expect((await finalize(s.url, { object_key: i.body.object_key, bytes: 200, checksum: sha256(bytes) })).status).toBe(200);
  });
});

describe('multipart via the S3 API', () => {
  it('CreateMultipartUpload → parts PUT to the store → complete (XML) → finalize', async () => {
    const big = randomBytes(11 * MiB);
    const i = await intent(s.url, { filename: 'tour.mp4', mime: 'video/mp4', bytes: big.length, checksum: sha256(big) });
    expect(i.status).toBe(200);
    const mp = i.body.multipart;
    expect(mp.part_size).toBe(5 * MiB);
    expect(mp.parts.map((p) => p.part_number)).toEqual([1, 2, 3]);
    expect(stub.uploads.get(mp.upload_id)?.contentType).toBe('video/mp4');
    const etags: { part_number: number; etag: string }[] = [];
    for (const p of mp.parts) {
      const from = (p.part_number - 1) * mp.part_size;
      const r = await put(p.url, {}, big.subarray(from, from + mp.part_size));
      expect(r.status).toBe(200);
      etags.push({ part_number: p.part_number, etag: r.headers.get('etag') ?? '' });
    }
    const wrong = await api(s.url, 'POST', '/api/uploads/multipart/complete', undefined, {
      object_key: i.body.object_key,
      upload_id: mp.upload_id,
      parts: etags.map((e) => ({ ...e, etag: e.part_number === 2 ? '"0000"' : e.etag })),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details).toMatchObject({ field: 'parts' });
    const done = await api(s.url, 'POST', '/api/uploads/multipart/complete', undefined, { object_key: i.body.object_key, upload_id: mp.upload_id, parts: etags });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ object_key: i.body.object_key, bytes: big.length });
    expect(stub.objects.get(i.body.object_key)?.body.equals(big)).toBe(true);
    const f = await finalize(s.url, { object_key: i.body.object_key, bytes: big.length, checksum: sha256(big) });
    expect(f.status).toBe(200);
  });

  it('fresh part URLs, and abort removes the upload from the store', async () => {
    const i = await intent(s.url, { filename: 'b.mov', mime: 'video/quicktime', bytes: 7 * MiB });
    const parts = await api(s.url, 'POST', '/api/uploads/multipart/parts', undefined, {
      object_key: i.body.object_key,
      upload_id: i.body.multipart.upload_id,
      part_numbers: [2],
    });
    expect(parts.status).toBe(200);
    expect(new URL(parts.body.parts[0].url).searchParams.get('uploadId')).toBe(i.body.multipart.upload_id);
    expect(stub.uploads.has(i.body.multipart.upload_id)).toBe(true);
    const ab = await api(s.url, 'POST', '/api/uploads/multipart/abort', undefined, { object_key: i.body.object_key, upload_id: i.body.multipart.upload_id });
    expect(ab.status).toBe(204);
    expect(stub.uploads.has(i.body.multipart.upload_id)).toBe(false);
  });
});

describe('batch and housekeeping in S3 mode', () => {
  it('a batch of 3 → 3 signed URLs → PUT and finalize each', async () => {
    const files = [randomBytes(100), randomBytes(101), randomBytes(102)];
    const b = await api(s.url, 'POST', '/api/uploads/intents', undefined, {
      order_id: 'ORD-2',
      files: files.map((f, n) => ({ filename: `B${n}.jpg`, mime: 'image/jpeg', bytes: f.length, checksum: sha256(f), stack_id: 'g9' })),
    });
    expect(b.status).toBe(200);
    const uploads = (b.body as unknown as { uploads: { signed_url: string; object_key: string; headers: Record<string, string> }[] }).uploads;
    expect(uploads.map((u) => u.object_key.replace(/^.*_v(\d+)\.jpg$/, '$1'))).toEqual(['1', '2', '3']);
    for (const [n, u] of uploads.entries()) {
      expect((await put(u.signed_url, u.headers, files[n])).status).toBe(200);
      expect((await finalize(s.url, { object_key: u.object_key, bytes: files[n].length, checksum: sha256(files[n]) })).status).toBe(200);
    }
  });

  it('expired intents: objects deleted and multipart uploads aborted in the store', async () => {
    const orphan = randomBytes(50);
    const i = await intent(s.url, { bytes: 50, checksum: sha256(orphan) });
    await put(i.body.signed_url, i.body.headers, orphan);
    const mp = await intent(s.url, { filename: 'c.mov', mime: 'video/quicktime', bytes: 7 * MiB });
    expect(stub.objects.has(i.body.object_key)).toBe(true);
    await s.runScheduled(new Date(Date.now() + 25 * 3600_000));
    expect(stub.objects.has(i.body.object_key)).toBe(false);
    expect(stub.uploads.has(mp.body.multipart.upload_id)).toBe(false);
    expect(stub.log.filter((r) => r.auth === 'none')).toEqual([]);
  });
});
