/**
 * SPEC v2 "Hardening" (issue 10 "Safe by default"), each row with its status code and body, against the real
 * local server: JSON bodies over 1 MiB → 413 PAYLOAD_TOO_LARGE before they are read in full; file names with
 * control, bidirectional or separator characters → 400 VALIDATION_FAILED naming the field; device code
 * creation, the approval page, token polling and unknown tokens rate-limited per client IP (429 + Retry-After).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ALICE, api } from './_client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0 });
});
afterAll(async () => {
  await s?.close();
});

/**
 * Starts a POST that declares `declared` bytes (Content-Length) but sends only its first 64 KiB, then waits
 * for the answer: an answer at all proves the server did not wait for the body to be read in full.
 */
function postPartial(path: string, declared: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, s.url), { method: 'POST', headers: { ...ALICE, 'Content-Type': 'application/json', 'Content-Length': String(declared) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text });
        req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', () => undefined); // the socket is closed after the early answer
    req.write(`{"pad":"${' '.repeat(64 * 1024)}`);
  });
}

const intent = (filename: string) => ({ filename, mime: 'image/jpeg', order_id: 'ORD-1', room_type: 'kitchen', stack_id: 'g001', bytes: 1000 });

describe('JSON bodies over 1 MiB', () => {
  it('413 PAYLOAD_TOO_LARGE for a 10 MB intent body (Content-Length), on every JSON route, answered before the body is sent', async () => {
    for (const path of ['/api/uploads/intent', '/api/uploads/intents', '/api/uploads/finalize', '/api/auth/device/token']) {
      const r = await postPartial(path, 10_000_000);
      expect(r.status, path).toBe(413);
      expect(JSON.parse(r.body).error).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('1 MiB'), details: { max_bytes: 1048576 } });
    }
  });

  it('a body just under 1 MiB is read as usual', async () => {
    const r = await api(s.url, 'POST', '/api/uploads/intent', ALICE, JSON.stringify({ ...intent('a.jpg'), pad: 'x'.repeat(1_000_000) }));
    expect(r.status).toBe(200);
  });

  it('a chunked body without Content-Length is cut off at the limit, before it ends', async () => {
    // 2 MiB of a body that never ends: only a server counting as it reads can answer.
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(new URL('/api/uploads/intent', s.url), { method: 'POST', headers: { ...ALICE, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
        res.on('error', reject);
      });
      req.on('error', () => undefined);
      req.write('{"pad":"');
      for (let i = 0; i < 32; i++) req.write(Buffer.alloc(64 * 1024, 0x20));
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('file names', () => {
  const bad: [string, string][] = [
    ['ESC (C0)', 'IMG\u001b[2J.jpg'],
    ['newline (C0)', 'IMG\n1.jpg'],
    ['DEL', 'IMG\u007f.jpg'],
    ['CSI (C1)', 'IMG\u009b31m.jpg'],
    ['right-to-left override', 'IMG_\u202Egpj.exe.jpg'],
    ['first strong isolate', 'IMG_\u2068x.jpg'],
    ['line separator', 'IMG\u2028.jpg'],
    ['paragraph separator', 'IMG\u2029.jpg'],
    ['byte order mark', '\uFEFFIMG.jpg'],
    ['slash', 'a/b.jpg'],
  ];
  it.each(bad)('%s → 400 VALIDATION_FAILED naming the field', async (_what, filename) => {
    const r = await api(s.url, 'POST', '/api/uploads/intent', ALICE, intent(filename));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.details).toMatchObject({ field: 'filename', char: expect.stringMatching(/^U\+[0-9A-F]{4}$/) });
  });

  it('the batch route refuses them per item; ordinary names with umlauts, spaces and emoji pass', async () => {
    const r = await api(s.url, 'POST', '/api/uploads/intents', ALICE, {
      order_id: 'ORD-1',
      files: [intent('IMG\u202E.jpg'), intent('Küche Fenster 😀.jpg')].map(({ order_id: _o, ...f }) => f),
    });
    expect(r.status).toBe(200);
    const results = (r.body as unknown as { uploads: { error?: { code: string; details: { field: string } }; object_key?: string }[] }).uploads;
    expect(results[0].error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'filename' } });
    expect(results[1].object_key).toEqual(expect.any(String));
  });
});

describe('per-IP rate limits', () => {
  const from = (ip: string) => ({ 'CF-Connecting-IP': ip });

  it('device code creation: 10 pass, the 11th gets 429 with Retry-After; another IP is not affected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await api(s.url, 'POST', '/api/auth/device/code', from('203.0.113.1'), {})).status);
    expect(statuses).toEqual(Array(10).fill(200));
    const r = await api(s.url, 'POST', '/api/auth/device/code', from('203.0.113.1'), {});
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    expect(r.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { kind: 'device-code', retry_after_seconds: expect.any(Number) } });
    expect((await api(s.url, 'POST', '/api/auth/device/code', from('203.0.113.2'), {})).status).toBe(200);
  });

  it('the approval page (user-code guesses): 20 pass, then 429', async () => {
    const guess = (code: string) =>
      fetch(`${s.url}/device`, {
        method: 'POST',
        headers: { ...from('203.0.113.3'), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ user_code: code, user_id: 'alice', action: 'approve' }).toString(),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await guess(`BCDF-GHJ${'KLMNPQRSTV'[i % 10]}`)).status);
    expect(statuses.every((x) => x !== 429)).toBe(true);
    const r = await guess('BCDF-GHJK');
    expect(r.status).toBe(429);
    expect(r.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect((await fetch(`${s.url}/device`, { headers: from('203.0.113.3') })).status).toBe(429);
  });

  // Refill is 1/s: the requests go at once, so a slow machine cannot refill the bucket between them.
  it('token polling: a burst of 20 passes, the rest of 40 at once gets 429', async () => {
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => api(s.url, 'POST', '/api/auth/device/token', from('203.0.113.4'), { device_code: `guess-${i}` })));
    const passed = rs.filter((r) => r.status === 400).length;
    expect(passed).toBeGreaterThanOrEqual(20);
    expect(passed).toBeLessThan(40);
    expect(rs.filter((r) => r.status !== 400).every((r) => r.status === 429 && r.headers.get('Retry-After') !== null)).toBe(true);
  });

  it('unknown tokens: a burst of 30 answers 401, the rest of 60 at once 429 with Retry-After; a good token from the same IP still works', async () => {
    const rs = await Promise.all(Array.from({ length: 60 }, (_, i) => api(s.url, 'GET', '/api/me', { ...from('203.0.113.5'), Authorization: `Bearer guess-${i}` })));
    expect(rs.filter((x) => x.status === 401).length).toBeGreaterThanOrEqual(30);
    const r = rs.find((x) => x.status !== 401)!;
    expect(r.status).toBe(429);
    expect(r.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(r.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { kind: 'bad-token' } });
    expect((await api(s.url, 'GET', '/api/me', { ...from('203.0.113.5'), ...ALICE })).status).toBe(200);
  });
});
