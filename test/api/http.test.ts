/**
 * src/api/http.ts and src/api/errors.ts — answers to ApiErrors: JSON bodies parsed, HTML or truncated JSON
 * on a 2xx → protocol error (transient), error bodies → http error with the SPEC code and Retry-After,
 * statuses without a JSON body → HTTP_<status>; `Retry-After` in seconds or as an HTTP date.
 * A few `send()` cases against a local socket: refused connection, stalled answer, abort.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, isApiError, parseRetryAfter } from '../../src/api/errors.js';
import { createAgent, parseJsonAnswer, send, type HttpAnswer } from '../../src/api/http.js';
import { isTransient } from '../../src/core/transfer/recovery.js';

const ans = (status: number, text: string, headers: HttpAnswer['headers'] = {}): HttpAnswer => ({ status, text, headers });
const errBody = (code: string, message = 'msg', details?: Record<string, unknown>): string => JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } });

function caught(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (isApiError(e)) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('parseJsonAnswer: 2xx', () => {
  it('returns the parsed JSON object', () => {
    expect(parseJsonAnswer(ans(200, '{"file_id":"f1","status":"uploaded"}'), 'op')).toEqual({ file_id: 'f1', status: 'uploaded' });
    expect(parseJsonAnswer(ans(201, '[1,2]'), 'op')).toEqual([1, 2]);
  });

  it('204 is undefined, whatever the body', () => {
    expect(parseJsonAnswer(ans(204, ''), 'op')).toBeUndefined();
  });

  it.each([
    ['HTML from a captive portal', '<!DOCTYPE html><html><body>Please log in to the hotel Wi-Fi</body></html>'],
    ['truncated JSON', '{"signed_url": "https://r2.example/put?X-Amz-Sig'],
    ['an empty body', ''],
    ['JSON that is not an object', '42'],
    ['JSON null', 'null'],
    ['a JSON string', '"ok"'],
  ])('%s → protocol error BAD_RESPONSE (transient), with a snippet', (_name, text) => {
    const e = caught(() => parseJsonAnswer(ans(200, text), 'POST /api/uploads/intent'));
    expect(e).toMatchObject({ kind: 'protocol', status: 200, code: 'BAD_RESPONSE', operation: 'POST /api/uploads/intent' });
    expect(isTransient(e)).toBe(true);
    expect(e.message.length).toBeLessThan(200);
    if (text === '') expect(e.message).toContain('empty body');
  });

  it('a long garbage body is cut to a short snippet', () => {
    const e = caught(() => parseJsonAnswer(ans(200, `<html>${'x'.repeat(10_000)}</html>`), 'op'));
    expect(e.message).toContain('…');
    expect(e.message.length).toBeLessThan(160);
  });
});

describe('parseJsonAnswer: errors', () => {
  it.each([
    [400, 'VALIDATION_FAILED'],
    [401, 'UNAUTHENTICATED'],
    [403, 'ORDER_FORBIDDEN'],
    [403, 'KEY_FORBIDDEN'],
    [409, 'OBJECT_MISSING'],
    [410, 'URL_EXPIRED'],
    [413, 'FILE_TOO_LARGE'],
    [415, 'UNSUPPORTED_MEDIA_TYPE'],
    [422, 'CHECKSUM_MISMATCH'],
  ])('%i %s → http error with the SPEC code, not transient', (status, code) => {
    const e = caught(() => parseJsonAnswer(ans(status, errBody(code, 'why', { field: 'bytes' })), 'op'));
    expect(e).toMatchObject({ kind: 'http', status, code, message: 'why', details: { field: 'bytes' } });
    expect(isTransient(e)).toBe(false);
    expect(e.retryAfterMs).toBeUndefined();
  });

  it('429 with Retry-After (seconds) → RATE_LIMITED with retryAfterMs', () => {
    const e = caught(() => parseJsonAnswer(ans(429, errBody('RATE_LIMITED'), { 'retry-after': '2' }), 'op'));
    expect(e).toMatchObject({ kind: 'http', status: 429, code: 'RATE_LIMITED', retryAfterMs: 2000 });
    expect(isTransient(e)).toBe(false); // recovery.ts treats 429 apart from the transient kinds
  });

  it('Retry-After is kept on any error status, also without a JSON body', () => {
    const e = caught(() => parseJsonAnswer(ans(503, '<html>Service Unavailable</html>', { 'retry-after': '7' }), 'op'));
    expect(e).toMatchObject({ kind: 'http', status: 503, code: 'HTTP_503', retryAfterMs: 7000 });
    expect(isTransient(e)).toBe(true);
    expect(e.message).toContain('Service Unavailable');
  });

  it.each([
    [500, '<html>Internal Server Error</html>'],
    [502, ''],
    [504, '{"error": "gateway timeout"}'], // JSON, but not the SPEC error shape
    [404, 'Not Found'],
    [429, 'Too Many Requests'],
  ])('%i without a SPEC error body → HTTP_<status>', (status, text) => {
    const e = caught(() => parseJsonAnswer(ans(status, text), 'op'));
    expect(e).toMatchObject({ kind: 'http', status, code: `HTTP_${status}` });
    expect(isTransient(e)).toBe(status >= 500);
  });

  it('a truncated error body still gives the status', () => {
    const e = caught(() => parseJsonAnswer(ans(403, '{"error": {"code": "ORDER_FORB'), 'op'));
    expect(e).toMatchObject({ kind: 'http', status: 403, code: 'HTTP_403' });
  });

  it('3xx and 1xx are not success', () => {
    expect(caught(() => parseJsonAnswer(ans(302, ''), 'op'))).toMatchObject({ kind: 'http', status: 302 });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-11-10T09:00:00Z');
  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    ['120', 120_000],
    [' 3 ', 3000],
    ['-5', 0],
  ])('seconds %j → %i ms', (v, ms) => {
    expect(parseRetryAfter(v, now)).toBe(ms);
  });

  it('an HTTP date → the time until then, never negative', () => {
    expect(parseRetryAfter('Mon, 10 Nov 2025 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 10 Nov 2025 08:59:00 GMT', now)).toBe(0);
  });

  it('absent or unreadable → undefined', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter([], now)).toBeUndefined();
  });

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['4', '9'], now)).toBe(4000);
  });

  it('defaults `now` to the wall clock for dates', () => {
    const inTen = new Date(Date.now() + 10_000).toUTCString();
    const ms = parseRetryAfter(inTen)!;
    expect(ms).toBeGreaterThan(8000);
    expect(ms).toBeLessThanOrEqual(10_000);
  });
});

describe('isTransient (core/transfer/recovery.ts)', () => {
  const mk = (kind: ApiError['kind'], status = 0): ApiError => new ApiError({ kind, status, code: 'X', message: 'm', operation: 'o' });
  it('network, stalled, protocol and 5xx are transient; http 4xx, aborted and file are not', () => {
    expect(isTransient(mk('network'))).toBe(true);
    expect(isTransient(mk('stalled'))).toBe(true);
    expect(isTransient(mk('protocol', 200))).toBe(true);
    expect(isTransient(mk('http', 500))).toBe(true);
    expect(isTransient(mk('http', 503))).toBe(true);
    expect(isTransient(mk('http', 499))).toBe(false);
    expect(isTransient(mk('http', 429))).toBe(false);
    expect(isTransient(mk('aborted'))).toBe(false);
    expect(isTransient(mk('file'))).toBe(false);
  });
});

describe('send() against a local socket', () => {
  let server: Server;
  let base: string;
  const agent = createAgent();

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/json') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
        res.end(errBody('RATE_LIMITED', 'slow down'));
      } else if (req.url === '/silent') {
        // headers, then nothing: a stalled answer
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await agent.close();
  });

  it('returns statuses instead of throwing them; parseJsonAnswer then maps them', async () => {
    const a = await send({ method: 'GET', url: `${base}/json`, operation: 'GET /json', dispatcher: agent });
    expect(a.status).toBe(429);
    expect(caught(() => parseJsonAnswer(a, 'GET /json'))).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 3000 });
  });

  it('no byte for stallMs → kind stalled (transient)', async () => {
    const err = await send({ method: 'GET', url: `${base}/silent`, operation: 'GET /silent', dispatcher: agent, stallMs: 150 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'stalled', code: 'STALLED', operation: 'GET /silent' });
    expect(isTransient(err)).toBe(true);
  });

  it('the caller aborting → kind aborted', async () => {
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 30);
    const err = await send({ method: 'GET', url: `${base}/silent`, operation: 'op', dispatcher: agent, signal: ctrl.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'aborted', code: 'ABORTED' });
  });

  it('a refused connection → kind network ECONNREFUSED with advice', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const err = await send({ method: 'GET', url: `http://127.0.0.1:${port}/`, operation: 'GET /', dispatcher: agent }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
    expect((err as ApiError).message).toMatch(/refused/);
    expect(isTransient(err)).toBe(true);
  });
});
