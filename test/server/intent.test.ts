/**
 * POST /api/uploads/intent (SPEC): validation, order ownership, size and type limits, object-key
 * schema and versioning, dedupe by checksum, signed URL origin. Real Miniflare, real HTTP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { BOB, intent, intentBody, put, rawRequest, sha256, uploadFile } from './_client.js';

let s: TestServer;
const today = () => new Date().toISOString().slice(0, 10);
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0, maxBytes: 1000 });
});
afterAll(async () => {
  await s?.close();
});

describe('400 VALIDATION_FAILED names the field', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['filename', { filename: undefined }],
    ['filename', { filename: '' }],
    ['filename', { filename: '../etc/IMG.jpg' }],
    ['mime', { mime: 3 }],
    ['order_id', { order_id: undefined }],
    ['bytes', { bytes: undefined }],
    ['bytes', { bytes: -1 }],
    ['bytes', { bytes: 1.5 }],
    ['bytes', { bytes: '12' }],
    ['checksum', { checksum: 'abc' }],
    ['room_type', { room_type: 5 }],
    ['stack_id', { stack_id: {} }],
  ];
  for (const [field, over] of cases) {
    it(`${field}: ${JSON.stringify(over)}`, async () => {
      const r = await intent(s.url, over);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details).toEqual({ field });
    });
  }
  it('body that is not JSON', async () => {
    const r = await fetch(`${s.url}/api/uploads/intent`, {
      method: 'POST',
      headers: { Authorization: 'Bearer tok-alice', 'Content-Type': 'application/json' },
      body: '{nope',
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { details: unknown } }).error.details).toEqual({ field: 'body' });
  });
});

describe('403 ORDER_FORBIDDEN', () => {
  it("for another user's order and for a non-existent one, alike", async () => {
    const foreign = await intent(s.url, { order_id: 'ORD-9' });
    const missing = await intent(s.url, { order_id: 'ORD-404' });
    for (const r of [foreign, missing]) {
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('ORDER_FORBIDDEN');
    }
    expect(foreign.body.error.message.replace('ORD-9', 'X')).toBe(missing.body.error.message.replace('ORD-404', 'X'));
  });
});

describe('413 FILE_TOO_LARGE', () => {
  it('names the file and both sizes', async () => {
    const r = await intent(s.url, { filename: 'big.mov', mime: 'video/quicktime', bytes: 1001 });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('FILE_TOO_LARGE');
    expect(r.body.error.message).toContain('big.mov');
    expect(r.body.error.message).toContain('1001');
    expect(r.body.error.message).toContain('1000');
    expect(r.body.error.details).toMatchObject({ bytes: 1001, max_bytes: 1000 });
  });
  it('the limit itself is allowed', async () => {
    expect((await intent(s.url, { bytes: 1000 })).status).toBe(200);
  });
});

describe('415 UNSUPPORTED_MEDIA_TYPE', () => {
  for (const over of [
    { filename: 'notes.txt', mime: 'text/plain' },
    { filename: 'setup.exe', mime: 'application/octet-stream' },
    { filename: 'noextension', mime: 'image/jpeg' },
    { filename: 'IMG.jpg', mime: 'text/html' },
    { filename: 'clip.mp4', mime: 'image/jpeg' },
  ]) {
    it(JSON.stringify(over), async () => {
      const r = await intent(s.url, over);
      expect(r.status).toBe(415);
      expect(r.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  }
  it('accepts RAW and generic mime for a known extension', async () => {
    const r = await intent(s.url, { filename: 'A.CR3', mime: 'application/octet-stream' });
    expect(r.status).toBe(200);
    expect(r.body.headers['Content-Type']).toBe('image/x-canon-cr3');
  });
});

describe('object keys (SPEC schema)', () => {
  it('follow user/{user}/orders/{order}/raw/{date}_{shootcode}_{room}_{stack}_v{ver}.{ext}', async () => {
    const r = await intent(s.url, { filename: 'IMG_1234.HEIC', mime: 'image/heic', room_type: 'livingroom', stack_id: 'g003' });
    expect(r.status).toBe(200);
    expect(r.body.object_key).toBe(`user/alice/orders/ORD-1/raw/${today()}_SH123_livingroom_g003_v1.heic`);
    expect(r.body.headers).toEqual({ 'Content-Type': 'image/heic' });
    const exp = Date.parse(r.body.expires_at) - Date.now();
    expect(exp).toBeGreaterThan(290_000);
    expect(exp).toBeLessThanOrEqual(300_000);
  });

  it('count versions per (order, room, stack): every bracket gets its own key', async () => {
    const keys: string[] = [];
    for (const f of ['a.jpg', 'b.jpg', 'c.JPG']) keys.push((await intent(s.url, { filename: f, room_type: 'kitchen', stack_id: 'g001' })).body.object_key);
    expect(keys.map((k) => k.split('/').pop())).toEqual([
      `${today()}_SH123_kitchen_g001_v1.jpg`,
      `${today()}_SH123_kitchen_g001_v2.jpg`,
      `${today()}_SH123_kitchen_g001_v3.jpg`,
    ]);
    const other = await intent(s.url, { room_type: 'kitchen', stack_id: 'g002' });
    expect(other.body.object_key).toMatch(/_kitchen_g002_v1\.jpg$/);
    const otherOrder = await intent(s.url, { order_id: 'ORD-2', room_type: 'kitchen', stack_id: 'g001' });
    expect(otherOrder.body.object_key).toBe(`user/alice/orders/ORD-2/raw/${today()}_SH124_kitchen_g001_v1.jpg`);
  });

  it('slug room and stack, with defaults unsorted / s000', async () => {
    const a = await intent(s.url, { room_type: 'Wohn Zimmer!', stack_id: 'Stack_7' });
    expect(a.body.object_key).toMatch(/_SH123_wohn-zimmer_stack-7_v1\.jpg$/);
    const b = await intent(s.url, { filename: 'X.PNG', mime: 'image/png', room_type: null });
    expect(b.body.object_key).toMatch(/_SH123_unsorted_s000_v\d+\.png$/);
    const c = await intent(s.url, { room_type: '***', stack_id: '' });
    expect(c.body.object_key).toMatch(/_unsorted_s000_v\d+\.jpg$/);
  });

  it('never repeat under concurrency (20 intents at once on one stack)', async () => {
    const rs = await Promise.all(Array.from({ length: 20 }, () => intent(s.url, { room_type: 'bath', stack_id: 'g009' })));
    const keys = rs.map((r) => r.body.object_key);
    expect(new Set(keys).size).toBe(20);
    const versions = keys.map((k) => Number(/_v(\d+)\.jpg$/.exec(k)![1])).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe('dedupe by checksum', () => {
  it('answers existing_file_id when the order already holds a finalized file with that checksum', async () => {
    const bytes = new TextEncoder().encode('same bytes, uploaded once');
    const first = await uploadFile(s.url, bytes, { filename: 'dup.jpg' });
    const again = await intent(s.url, { filename: 'dup-copy.jpg', bytes: bytes.length, checksum: sha256(bytes) });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ existing_file_id: first.fileId, object_key: first.intent.object_key, stack_id: 's000' });
    // another order of the same user: not a duplicate there
    const other = await intent(s.url, { order_id: 'ORD-2', bytes: bytes.length, checksum: sha256(bytes) });
    expect(other.body.signed_url).toBeTypeOf('string');
  });
  it('an intent that was never finalized does not count', async () => {
    const bytes = new TextEncoder().encode('intent only');
    const a = await intent(s.url, { bytes: bytes.length, checksum: sha256(bytes) });
    const b = await intent(s.url, { bytes: bytes.length, checksum: sha256(bytes) });
    expect(a.body.signed_url).toBeTypeOf('string');
    expect(b.body.signed_url).toBeTypeOf('string');
    expect(b.body.object_key).not.toBe(a.body.object_key);
  });
  it("bob's identical bytes in his own order are not alice's duplicate", async () => {
    const bytes = new TextEncoder().encode('same bytes, uploaded once');
    const r = await intent(s.url, { order_id: 'ORD-9', bytes: bytes.length, checksum: sha256(bytes) }, BOB);
    expect(r.body.signed_url).toBeTypeOf('string');
  });
});

describe('signed URL origin (SPEC: the origin the request came in on)', () => {
  it('follows the Host header the client used', async () => {
    const r = await rawRequest(`${s.url}/api/uploads/intent`, {
      method: 'POST',
      headers: { Host: 'uploads.example.test:4443', Authorization: 'Bearer tok-alice', 'Content-Type': 'application/json' },
      body: JSON.stringify(intentBody()),
    });
    expect(r.status).toBe(200);
    expect(r.body.signed_url.startsWith('http://uploads.example.test:4443/upload/')).toBe(true);
  });

  it('honours X-Forwarded-Host / X-Forwarded-Proto (local signer)', async () => {
    const r = await rawRequest(`${s.url}/api/uploads/intent`, {
      method: 'POST',
      headers: { 'X-Forwarded-Host': 'dev.example.test', 'X-Forwarded-Proto': 'https', Authorization: 'Bearer tok-alice', 'Content-Type': 'application/json' },
      body: JSON.stringify(intentBody()),
    });
    expect(r.body.signed_url.startsWith('https://dev.example.test/upload/')).toBe(true);
  });

  it('through a proxy: the URL points at the proxy, and the PUT through it works', async () => {
    const target = new URL(s.url);
    const proxy = http.createServer((req, res) => {
      const up = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const bytes = new TextEncoder().encode('via proxy');
      const i = await intent(proxyUrl, { bytes: bytes.length, checksum: sha256(bytes) });
      expect(i.body.signed_url.startsWith(`${proxyUrl}/upload/`)).toBe(true);
      expect((await put(i.body.signed_url, i.body.headers, bytes)).status).toBe(200);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });
});
