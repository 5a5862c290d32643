/**
 * `--storage s3` end to end against nginx WebDAV (the benchmark's sink): intents sign path-style URLs
 * to nginx, the client PUTs there (nginx ignores the SigV4 query and answers 201/204 without ETag),
 * finalize HEADs nginx (size only: nginx keeps no checksum). nginx cannot do multipart, so the server
 * runs with `--s3-multipart off`; `If-None-Match: *` stays signed (nginx accepts and ignores it — a
 * second PUT overwrites). Skipped, with a message, when nginx is not installed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, finalize, intent, put, randomBytes, sha256 } from './_client.js';
import { findNginx, startNginxSink, type NginxSink } from './_nginx.js';

const MiB = 1024 * 1024;
const NGINX = findNginx();
const title = NGINX ? `--storage s3 against nginx WebDAV (${NGINX})` : '--storage s3 against nginx WebDAV — SKIPPED: nginx is not installed (apt-get install nginx-light)';

describe.skipIf(!NGINX)(title, () => {
  let ngx: NginxSink;
  let s: TestServer;
  beforeAll(async () => {
    ngx = await startNginxSink(NGINX!);
    s = await startTestServer({
      storage: 's3',
      s3: { endpoint: ngx.url, bucket: 'piximmo', accessKeyId: 'bench', secretAccessKey: 'bench-secret', multipart: false },
      intentRate: 0,
      multipartThreshold: 6 * MiB,
      persist: false,
    });
  });
  afterAll(async () => {
    await s?.close();
    await ngx?.close();
  });

  it('intent → PUT to nginx (201) → finalize by HEAD; the bytes are on disk; a second PUT overwrites (204)', async () => {
    const bytes = randomBytes(5000);
    const i = await intent(s.url, { bytes: 5000, checksum: sha256(bytes) });
    expect(i.body.signed_url.startsWith(`${ngx.url}/piximmo/user/alice/orders/ORD-1/raw/`)).toBe(true);
    expect(i.body.headers['If-None-Match']).toBe('*');
    const p = await put(i.body.signed_url, i.body.headers, bytes);
    expect(p.status).toBe(201);
    expect(readFileSync(join(ngx.root, 'piximmo', i.body.object_key)).equals(bytes)).toBe(true);
    const f = await finalize(s.url, { object_key: i.body.object_key, bytes: 5000, checksum: sha256(bytes) });
    expect(f.status).toBe(200);
    expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(204); // nginx does not enforce single use
  });

  it('finalize: 409 before the PUT and on a size mismatch', async () => {
    const bytes = randomBytes(300);
    const i = await intent(s.url, { bytes: 300, checksum: sha256(bytes) });
    expect((await finalize(s.url, { object_key: i.body.object_key, bytes: 300, checksum: sha256(bytes) })).status).toBe(409);
    await put(i.body.signed_url, i.body.headers, bytes);
    expect((await finalize(s.url, { object_key: i.body.object_key, bytes: 299, checksum: sha256(bytes) })).status).toBe(409);
    expect((await finalize(s.url, { object_key: i.body.object_key, bytes: 300, checksum: sha256(bytes) })).status).toBe(200);
  });

  it('a batch of 10 (one above the multipart threshold, sent as one PUT) → PUT → finalize; all listed', async () => {
    const files = Array.from({ length: 10 }, (_, n) => randomBytes(n === 9 ? 7 * MiB : 1000 + n));
    const b = await api(s.url, 'POST', '/api/uploads/intents', undefined, {
      order_id: 'ORD-2',
      files: files.map((f, n) => ({ filename: `N${n}.jpg`, mime: 'image/jpeg', bytes: f.length, checksum: sha256(f), room_type: 'kitchen' })),
    });
    expect(b.status).toBe(200);
    const uploads = (b.body as unknown as { uploads: { signed_url: string; object_key: string; headers: Record<string, string> }[] }).uploads;
    expect(uploads).toHaveLength(10);
    await Promise.all(
      uploads.map(async (u, n) => {
        expect(u.signed_url).toBeTruthy();
        expect((await put(u.signed_url, u.headers, files[n])).status).toBe(201);
        expect((await finalize(s.url, { object_key: u.object_key, bytes: files[n].length, checksum: sha256(files[n]) })).status).toBe(200);
      }),
    );
    const listed = await api(s.url, 'GET', '/api/orders/ORD-2/files');
    expect(listed.body.files.map((f) => f.object_key).sort()).toEqual(uploads.map((u) => u.object_key).sort());
  });
});
