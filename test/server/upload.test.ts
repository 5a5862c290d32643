/**
 * PUT /upload/<token> — the local signed-URL route (SPEC "PUT signed_url"): 200 + ETag, single use
 * (410), expiry (410), bad signature (403), body larger than declared (413, by Content-Length and by
 * the stream guard), checksum mismatch (422, nothing kept). Real Miniflare, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { finalize, intent, put, randomBytes, sha256 } from './_client.js';

let s: TestServer;
let short: TestServer;
beforeAll(async () => {
  [s, short] = await Promise.all([startTestServer({ intentRate: 0 }), startTestServer({ intentRate: 0, urlTtlSeconds: 1 })]);
});
afterAll(async () => {
  await Promise.all([s?.close(), short?.close()]);
});

async function stored(key: string) {
  const bucket = await s.mf.getR2Bucket('BUCKET');
  return bucket.head(key);
}

function streamOf(bytes: Uint8Array, chunk = 1024): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream({
    pull(ctl) {
      if (off >= bytes.length) return ctl.close();
      ctl.enqueue(bytes.slice(off, off + chunk));
      off += chunk;
    },
  });
}

describe('PUT signed_url', () => {
  it('stores the bytes and answers 200 with an ETag; a second PUT on the URL is 410 (single use)', async () => {
    const bytes = randomBytes(64 * 1024);
    const i = await intent(s.url, { bytes: bytes.length, checksum: sha256(bytes) });
    const p = await put(i.body.signed_url, i.body.headers, bytes);
    expect(p.status).toBe(200);
    expect(p.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
    const head = await stored(i.body.object_key);
    expect(head?.size).toBe(bytes.length);
    expect(head?.httpMetadata?.contentType).toBe('image/jpeg');
    const again = await put(i.body.signed_url, i.body.headers, bytes);
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('URL_EXPIRED');
  });

  it('works without a checksum, and with a chunked body (no Content-Length)', async () => {
    const bytes = randomBytes(10_000);
    const i = await intent(s.url, { bytes: bytes.length });
    const p = await put(i.body.signed_url, i.body.headers, streamOf(bytes));
    expect(p.status).toBe(200);
    expect((await stored(i.body.object_key))?.size).toBe(bytes.length);
  });

  it('403 BAD_SIGNATURE for a tampered token', async () => {
    const i = await intent(s.url, { bytes: 5 });
    const url = new URL(i.body.signed_url);
    const [payload, mac] = url.pathname.split('/').pop()!.split('.');
    const tampered = `${url.origin}/upload/${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    const r = await put(tampered, i.body.headers, new Uint8Array(5));
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('BAD_SIGNATURE');
    expect((await put(`${url.origin}/upload/not-a-token`, {}, new Uint8Array(5))).status).toBe(403);
  });

  it('413 when Content-Length exceeds the declared bytes; the URL stays usable', async () => {
    const bytes = randomBytes(100);
    const i = await intent(s.url, { bytes: 100, checksum: sha256(bytes) });
    const r = await put(i.body.signed_url, i.body.headers, randomBytes(101));
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('FILE_TOO_LARGE');
    expect(await stored(i.body.object_key)).toBeNull();
    expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
  });

  it('413 when a chunked body (no Content-Length) runs past the declared bytes', async () => {
    const i = await intent(s.url, { bytes: 4096 });
    const r = await put(i.body.signed_url, i.body.headers, streamOf(randomBytes(8192)));
    expect(r.status).toBe(413);
    expect(await stored(i.body.object_key)).toBeNull();
  });

  it('422 CHECKSUM_MISMATCH when the bytes do not hash to the declared SHA-256; nothing kept', async () => {
    const bytes = randomBytes(2048);
    const i = await intent(s.url, { bytes: bytes.length, checksum: sha256(bytes) });
    const wrong = bytes.slice();
    wrong[0] ^= 0xff;
    const r = await put(i.body.signed_url, i.body.headers, wrong);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('CHECKSUM_MISMATCH');
    expect(await stored(i.body.object_key)).toBeNull();
    // spent on success only: the right bytes still go through
    expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
    const f = await finalize(s.url, { object_key: i.body.object_key, bytes: bytes.length, checksum: sha256(bytes) });
    expect(f.status).toBe(200);
  });

  it('refusals of a large body reach the client as answers, not connection resets', async () => {
    const bytes = randomBytes(8 * 1024 * 1024);
    const i = await intent(s.url, { bytes: bytes.length, checksum: sha256(bytes) });
    expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
    for (let k = 0; k < 3; k++) expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(410);
    const small = await intent(s.url, { bytes: 10 });
    expect((await put(small.body.signed_url, small.body.headers, bytes)).status).toBe(413);
  });

  it('410 URL_EXPIRED after the URL lifetime (server with a 1 s TTL)', async () => {
    const i = await intent(short.url, { bytes: 5 });
    expect(Date.parse(i.body.expires_at) - Date.now()).toBeLessThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 1500));
    const r = await put(i.body.signed_url, i.body.headers, new Uint8Array(5));
    expect(r.status).toBe(410);
    expect(r.body.error.code).toBe('URL_EXPIRED');
  });
});
