/**
 * The answer schemas accept everything the real server sends (issue 9 "An executable contract"): the
 * client (PiximmoApi, which checks every answer against contract/responses.ts) drives every call it makes
 * against the real local server (Miniflare) — intents of all three kinds, batch intents with an error item,
 * PUT, multipart parts/complete/abort, finalize and finalize-batch, listing pages with URLs, stacks, stats,
 * download, delete, device code and token, logout — and each answer comes back typed, not BAD_RESPONSE.
 * The GET /api/files/:id/preview answer (read by the page, not the CLI) is checked with its schema directly.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PiximmoApi } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { isExistingIntent, isMultipartIntent, type IntentResponse, type SingleIntentResponse } from '../../src/contract/api.js';
import { ErrorBodySchema, PreviewResponseSchema } from '../../src/contract/responses.js';
import { makeJpeg } from '../../src/fixtures/jpeg.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('the real server’s answers pass the client’s schemas', () => {
  let s: TestServer;
  let api: PiximmoApi;
  let dir: string;
  const file = (name: string, bytes: Uint8Array): { path: string; bytes: Uint8Array; checksum: string } => {
    const p = path.join(dir, name);
    writeFileSync(p, bytes);
    return { path: p, bytes, checksum: sha(bytes) };
  };
  const put = (i: IntentResponse, f: { path: string; bytes: Uint8Array }) => {
    const single = i as SingleIntentResponse;
    return api.put(single.signed_url, single.headers, { path: f.path, start: 0, length: f.bytes.length });
  };

  beforeAll(async () => {
    s = await startTestServer({ intentRate: 0, multipartThreshold: 6 * MiB, partSize: 5 * MiB });
    api = new PiximmoApi({ apiUrl: s.url, token: 'tok-alice' });
    dir = mkdtempSync(path.join(tmpdir(), 'piximmo-resp-'));
  });
  afterAll(async () => {
    await api?.close();
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('account and orders: /api/me with quota, /api/orders', async () => {
    const me = await api.me();
    expect(me).toMatchObject({ user_id: 'alice', quota: { bytes_used: expect.any(Number), bytes_limit: expect.any(Number) } });
    expect(typeof me.malware_scan).toBe('boolean');
    // issue 15: where the signed upload URLs point (the local signer: the origin the request came in on)
    expect(me.storage_origin).toBe(new URL(s.url).origin);
    const i = await api.intent({ filename: 'o.jpg', mime: 'image/jpeg', order_id: 'ORD-1', bytes: 10 });
    expect('signed_url' in i && new URL(i.signed_url).origin).toBe(me.storage_origin);
    expect((await api.orders()).orders.map((o) => o.id)).toContain('ORD-1');
  });

  it('single intent → PUT → finalize; the same content again → existing_file_id; download, delete', async () => {
    const a = file('a.jpg', makeJpeg({ seed: 11 }));
    const body = { filename: 'a.jpg', mime: 'image/jpeg', order_id: 'ORD-1', bytes: a.bytes.length, checksum: a.checksum, room_label: 'Küche', stack_key: 'k-a', stack_frames: 1 };
    const i = await api.intent(body);
    expect(isExistingIntent(i) || isMultipartIntent(i)).toBe(false);
    expect((await put(i, a)).etag).not.toBe('');
    const fin = await api.finalize({ object_key: i.object_key, bytes: a.bytes.length, checksum: a.checksum, exif_meta: { make: 'Canon', ev: 0 } });
    expect(fin.status).toBe('uploaded');
    const again = await api.intent(body);
    expect(isExistingIntent(again) && again.existing_file_id).toBe(fin.file_id);
    const d = await api.downloadUrl(fin.file_id);
    expect(d).toMatchObject({ filename: 'a.jpg', bytes: a.bytes.length, checksum: a.checksum });
    const preview = await fetch(`${s.url}/api/files/${fin.file_id}/preview?size=small`, { headers: { authorization: 'Bearer tok-alice' } });
    const pbody: unknown = await preview.json();
    // Processing may not have run yet: then the answer is an error body; either way it is a contract answer.
    expect(preview.status === 200 ? v.is(PreviewResponseSchema, pbody) : v.is(ErrorBodySchema, pbody)).toBe(true);
    const del = await api.deleteFile(fin.file_id);
    expect(del).toMatchObject({ file_id: fin.file_id, status: 'deleted' });
  });

  it('batch intents with an error item, finalize-batch with an error item', async () => {
    const b = file('b.jpg', makeJpeg({ seed: 12 }));
    const c = file('c.jpg', makeJpeg({ seed: 13 }));
    const answers = await api.intentBatch('ORD-1', [
      { filename: 'b.jpg', mime: 'image/jpeg', bytes: b.bytes.length, checksum: b.checksum },
      { filename: 'x.exe', mime: 'application/x-msdownload', bytes: 10 },
      { filename: 'c.jpg', mime: 'image/jpeg', bytes: c.bytes.length, checksum: c.checksum },
    ]);
    expect(answers[1]).toBeInstanceOf(ApiError);
    expect((answers[1] as ApiError).kind).toBe('http');
    const [ib, ic] = [answers[0], answers[2]] as IntentResponse[];
    await put(ib, b);
    await put(ic, c);
    const results = await api.finalizeBatch([
      { object_key: ib.object_key, bytes: b.bytes.length, checksum: b.checksum },
      { object_key: 'ORD-1/nothing-here.jpg', bytes: 1, checksum: b.checksum },
      { object_key: ic.object_key, bytes: c.bytes.length, checksum: c.checksum },
    ]);
    expect(results[0]).toMatchObject({ status: 'uploaded' });
    expect(results[1]).toBeInstanceOf(ApiError);
    expect((results[1] as ApiError).code).not.toBe('BAD_RESPONSE');
    expect(results[2]).toMatchObject({ status: 'uploaded' });
  });

  it('multipart: intent, renewed part URLs, PUT parts, complete, finalize; another one aborted', async () => {
    const big = new Uint8Array(7 * MiB).map((_, k) => k % 251);
    const m = file('tour.mp4', big);
    const i = await api.intent({ filename: 'tour.mp4', mime: 'video/mp4', order_id: 'ORD-1', bytes: big.length, checksum: m.checksum });
    if (!isMultipartIntent(i)) throw new Error('expected a multipart intent');
    const renewed = await api.multipartParts({ object_key: i.object_key, upload_id: i.multipart.upload_id, part_numbers: [1, 2] });
    expect(renewed.parts).toHaveLength(2);
    const size = i.multipart.part_size;
    const parts = [];
    for (const p of renewed.parts) {
      const start = (p.part_number - 1) * size;
      const r = await api.put(p.url, {}, { path: m.path, start, length: Math.min(size, big.length - start) });
      parts.push({ part_number: p.part_number, etag: r.etag });
    }
    await api.multipartComplete({ object_key: i.object_key, upload_id: i.multipart.upload_id, parts });
    expect((await api.finalize({ object_key: i.object_key, bytes: big.length, checksum: m.checksum })).status).toBe('uploaded');
    const other = await api.intent({ filename: 'tour2.mp4', mime: 'video/mp4', order_id: 'ORD-1', bytes: big.length });
    if (!isMultipartIntent(other)) throw new Error('expected a multipart intent');
    await api.multipartAbort({ object_key: other.object_key, upload_id: other.multipart.upload_id });
  });

  it('listing pages (with URLs and a cursor), every page, stacks, stats', async () => {
    const page = await api.listFilesPage('ORD-1', { limit: 1, with_urls: true });
    expect(page.files).toHaveLength(1);
    expect(page.files[0].download_url).toMatch(/^http/);
    expect(page.next_cursor).toEqual(expect.any(String));
    const all = await api.listAllFiles('ORD-1');
    expect(all.files.length).toBeGreaterThanOrEqual(3);
    expect(all.files.find((f) => f.filename === 'a.jpg')).toBeUndefined(); // deleted above
    const stacks = await api.listStacks('ORD-1');
    expect(stacks.stacks.length).toBeGreaterThan(0);
    const stats = await api.stats();
    expect(stats.intents).toBeGreaterThan(0);
    expect((await api.stats(new Date(Date.now() - 3_600_000).toISOString())).since).toEqual(expect.any(String));
  });

  it('device login: code, a pending poll (an error answer, not BAD_RESPONSE), approved → token; logout', async () => {
    const anon = new PiximmoApi({ apiUrl: s.url });
    try {
      const code = await anon.deviceCode();
      expect(code.verification_uri).toBe(`${s.url}/device`);
      await expect(anon.deviceToken(code.device_code)).rejects.toMatchObject({ kind: 'http' });
      const approve = await fetch(`${s.url}/device`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ user_code: code.user_code, user_id: 'bob', action: 'approve' }).toString(),
      });
      expect(approve.status).toBe(200);
      const tok = await anon.deviceToken(code.device_code);
      expect(tok.user_id).toBe('bob');
      const bob = new PiximmoApi({ apiUrl: s.url, token: tok.device_token });
      await bob.logout();
      await expect(bob.me()).rejects.toMatchObject({ status: 401 });
      await bob.close();
    } finally {
      await anon.close();
    }
  });
});
