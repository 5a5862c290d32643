/**
 * Scheduled housekeeping (SPEC "Housekeeping"): intents not finalized within 24 h expire, their
 * objects are deleted and their multipart uploads aborted; finalized files are untouched. The clock is
 * moved by firing the cron handler with a scheduledTime 25 h ahead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, finalize, intent, put, randomBytes, sha256, uploadFile } from './_client.js';

const MiB = 1024 * 1024;
const H = 3600_000;
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0, multipartThreshold: 6 * MiB, partSize: 5 * MiB });
});
afterAll(async () => {
  await s?.close();
});

describe('housekeeping (cron)', () => {
  it('expires stale intents: objects deleted, multipart aborted, finalized files kept', async () => {
    const bucket = await s.mf.getR2Bucket('BUCKET');
    // finalized: must survive
    const keepBytes = randomBytes(500);
    const kept = await uploadFile(s.url, keepBytes, { filename: 'keep.jpg' });
    // uploaded, never finalized: object must go
    const orphanBytes = randomBytes(700);
    const orphan = await intent(s.url, { bytes: 700, checksum: sha256(orphanBytes) });
    expect((await put(orphan.body.signed_url, orphan.body.headers, orphanBytes)).status).toBe(200);
    // multipart started, one part sent, never completed: upload must be aborted
    const big = randomBytes(7 * MiB);
    const mp = await intent(s.url, { filename: 'v.mov', mime: 'video/quicktime', bytes: big.length });
    const p1 = mp.body.multipart.parts[0];
    expect((await put(p1.url, {}, big.subarray(0, 5 * MiB))).status).toBe(200);

    // an hour later nothing happens
    await s.runScheduled(new Date(Date.now() + H));
    expect(await bucket.head(orphan.body.object_key)).not.toBeNull();

    await s.runScheduled(new Date(Date.now() + 25 * H));
    expect(await bucket.head(orphan.body.object_key)).toBeNull();
    expect(await bucket.head(kept.intent.object_key)).not.toBeNull();
    const fin = await finalize(s.url, { object_key: orphan.body.object_key, bytes: 700, checksum: sha256(orphanBytes) });
    expect(fin.status).toBe(409);
    const parts = await api(s.url, 'POST', '/api/uploads/multipart/parts', undefined, {
      object_key: mp.body.object_key,
      upload_id: mp.body.multipart.upload_id,
      part_numbers: [2],
    });
    expect(parts.status).toBe(410);
    await expect(
      bucket.resumeMultipartUpload(mp.body.object_key, mp.body.multipart.upload_id).uploadPart(2, new Uint8Array(10)),
    ).rejects.toThrow();
    const files = await api(s.url, 'GET', '/api/orders/ORD-1/files');
    expect(files.body.files.map((f) => f.file_id)).toEqual([kept.fileId]);
    // a finalized file is still a duplicate for later intents
    expect((await intent(s.url, { bytes: 500, checksum: sha256(keepBytes) })).body.existing_file_id).toBe(kept.fileId);
  });
});
