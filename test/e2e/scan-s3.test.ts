/**
 * Issue 16 in the server's S3 mode (`--storage s3`, STORE "s3") against nginx WebDAV with a real private
 * clamd: the scan reads objects with ranged signed GETs (windows above a 1 MiB stream limit) and quarantines
 * an infected object by GET → PUT `quarantine/<key>` → DELETE (scan/objects.ts StoreScanObjects over storage/s3.ts; nginx has no
 * server-side copy). Skips, naming what is missing, without nginx or clamd/sigtool.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRecord } from '../../src/contract/api.js';
import { type ClamdProcess, clamdSkipReason, clamdTitle, EICAR_SIGNATURE, eicarBytes, startTestClamd } from '../helpers/clamd.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, finalize, intent, put, sha256 } from '../server/_client.js';
import { findNginx, type NginxSink, startNginxSink } from '../server/_nginx.js';

const MiB = 1024 * 1024;
const NGINX = findNginx();
const title = clamdTitle(NGINX ? 'malware scan in S3 mode against nginx WebDAV' : 'malware scan in S3 mode — SKIPPED: nginx is not installed (apt-get install nginx-light)');

async function settled(s: TestServer, fileId: string): Promise<FileRecord> {
  const end = Date.now() + 60_000;
  for (;;) {
    const f = (await api(s.url, 'GET', '/api/orders/ORD-1/files')).body.files.find((x) => x.file_id === fileId);
    if (f && f.status !== 'uploaded' && f.status !== 'processing') return f;
    if (Date.now() > end) throw new Error(`file ${fileId} still ${f?.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** intent → PUT to nginx (201/204) → finalize; `{fileId, objectKey}`. */
async function upload(s: TestServer, bytes: Uint8Array, over: Record<string, unknown>): Promise<{ fileId: string; objectKey: string }> {
  const i = await intent(s.url, { bytes: bytes.length, checksum: sha256(bytes), ...over });
  if (i.status !== 200) throw new Error(`intent ${i.status} ${JSON.stringify(i.body)}`);
  const p = await put(i.body.signed_url, i.body.headers, bytes);
  if (p.status >= 300) throw new Error(`put ${p.status}`);
  const f = await finalize(s.url, { object_key: i.body.object_key, bytes: bytes.length, checksum: sha256(bytes) });
  if (f.status !== 200) throw new Error(`finalize ${f.status} ${JSON.stringify(f.body)}`);
  return { fileId: f.body.file_id, objectKey: i.body.object_key };
}

describe.skipIf(!NGINX || clamdSkipReason() !== null)(title, () => {
  let ngx: NginxSink;
  let clamd: ClamdProcess;
  let s: TestServer;
  beforeAll(async () => {
    ngx = await startNginxSink(NGINX!);
    clamd = await startTestClamd({ streamMaxLength: MiB });
    s = await startTestServer({
      storage: 's3',
      s3: { endpoint: ngx.url, bucket: 'piximmo', accessKeyId: 'bench', secretAccessKey: 'bench-secret', multipart: false },
      scanner: clamd.url,
      scanStreamMax: MiB,
      intentRate: 0,
      persist: false,
    });
  });
  afterAll(async () => {
    await s?.close();
    await clamd?.dispose();
    await ngx?.close();
  });

  it('EICAR 2.5 MiB into a 3 MiB object: found in a later window, moved to quarantine/<key> on nginx; a clean one stays', async () => {
    const dirty = new Uint8Array(3 * MiB).map((_, i) => (i * 131) & 0xff);
    dirty.set(eicarBytes(), 2.5 * MiB);
    const clean = new Uint8Array(3 * MiB).map((_, i) => (i * 197) & 0xff);
    const bad = await upload(s, dirty, { filename: 'bad.mov', mime: 'video/quicktime', room_type: 'hall', stack_id: 'g001' });
    const good = await upload(s, clean, { filename: 'good.mov', mime: 'video/quicktime', room_type: 'hall', stack_id: 'g002' });
    expect(await settled(s, bad.fileId)).toMatchObject({ status: 'infected', status_reason: `${EICAR_SIGNATURE}.UNOFFICIAL` });
    expect(await settled(s, good.fileId)).toMatchObject({ status: 'ready', status_reason: expect.stringMatching(/^SCANNED_IN_WINDOWS \d+×1048576$/) });
    const at = join(ngx.root, 'piximmo', bad.objectKey);
    const q = join(ngx.root, 'piximmo', 'quarantine', bad.objectKey);
    expect(existsSync(at)).toBe(false);
    expect(readFileSync(q).equals(Buffer.from(dirty))).toBe(true);
    expect(existsSync(join(ngx.root, 'piximmo', good.objectKey))).toBe(true);
    expect((await api(s.url, 'GET', `/api/files/${bad.fileId}/download`)).body.error.code).toBe('FILE_INFECTED');
  });
});
