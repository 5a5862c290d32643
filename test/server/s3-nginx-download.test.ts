/**
 * SPEC v2 downloads and delete in S3 mode against nginx WebDAV (issue 12 items 2 and 3): the download URL
 * is a SigV4 presigned GET of the object with `response-content-disposition` signed into it; fetching it
 * from the sink returns exactly the uploaded bytes. Delete → 404; 7 days later housekeeping removed the
 * object from the sink (nginx cannot list, so there are no previews to remove there). Skipped, with a
 * message, when nginx is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, finalize, intent as askIntent, put, randomBytes, sha256 } from './_client.js';
import { findNginx, startNginxSink, type NginxSink } from './_nginx.js';

const NGINX = findNginx();
const title = NGINX ? `downloads in S3 mode against nginx WebDAV (${NGINX})` : 'downloads in S3 mode — SKIPPED: nginx is not installed (apt-get install nginx-light)';

/** intent → PUT to nginx (201/204) → finalize; the file id and the intent. */
async function uploadFile(base: string, bytes: Uint8Array, over: Record<string, unknown>) {
  const checksum = sha256(bytes);
  const i = await askIntent(base, { bytes: bytes.length, checksum, ...over });
  const p = await put(i.body.signed_url, i.body.headers, bytes);
  expect([201, 204]).toContain(p.status);
  const f = await finalize(base, { object_key: i.body.object_key, bytes: bytes.length, checksum });
  expect(f.status).toBe(200);
  return { intent: i.body, fileId: f.body.file_id };
}

describe.skipIf(!NGINX)(title, () => {
  let ngx: NginxSink;
  let s: TestServer;
  beforeAll(async () => {
    ngx = await startNginxSink(NGINX!);
    s = await startTestServer({
      storage: 's3',
      s3: { endpoint: ngx.url, bucket: 'piximmo', accessKeyId: 'bench', secretAccessKey: 'bench-secret', multipart: false },
      intentRate: 0,
      persist: false,
    });
  });
  afterAll(async () => {
    await s?.close();
    await ngx?.close();
  });

  it('presigned GET (15 minutes, disposition signed) returns exactly the uploaded bytes', async () => {
    const bytes = randomBytes(1_500_000);
    const { fileId, intent } = await uploadFile(s.url, bytes, { filename: 'Küche 1.jpg' });
    const d = await api(s.url, 'GET', `/api/files/${fileId}/download`);
    expect(d.status).toBe(200);
    const url = new URL((d.body as unknown as { url: string }).url);
    expect(url.origin + url.pathname).toBe(`${ngx.url}/piximmo/${intent.object_key}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.get('response-content-disposition')).toBe(
      `attachment; filename="K_che 1.jpg"; filename*=UTF-8''K%C3%BCche%201.jpg`,
    );
    const got = new Uint8Array(await (await fetch(url)).arrayBuffer());
    expect(sha256(got)).toBe(sha256(bytes));
  });

  it('delete → 404; after 7 simulated days the object is gone from the sink', async () => {
    const { fileId, intent } = await uploadFile(s.url, randomBytes(4000), { filename: 'del.jpg' });
    const onDisk = join(ngx.root, 'piximmo', intent.object_key);
    expect(readFileSync(onDisk).length).toBe(4000);
    expect((await api(s.url, 'DELETE', `/api/files/${fileId}`)).status).toBe(200);
    expect((await api(s.url, 'GET', `/api/files/${fileId}/download`)).status).toBe(404);
    await s.runScheduled(new Date(Date.now() + 7 * 24 * 3600_000 + 3600_000));
    expect(existsSync(onDisk)).toBe(false);
  });
});
