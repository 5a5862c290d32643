/**
 * Small HTTP client for the server tests: real HTTP (undici fetch / node:http) against a running
 * local server. Not a test file itself.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type {
  DeviceCodeResponse, DeviceTokenResponse, ExistingIntentResponse, FileListResponse, FinalizeResponse, MeResponse,
  MultipartIntentResponse, MultipartPartsResponse, OrdersResponse, SingleIntentResponse,
} from '../../src/contract/api.js';
import type { ErrorBody } from '../../src/contract/errors.js';

/**
 * Every field any API answer can have, as one type: tests read bodies field by field and assert on
 * presence at runtime (a field absent from a given answer is simply undefined).
 */
export type ApiBody = SingleIntentResponse & Omit<MultipartIntentResponse, 'object_key' | 'expires_at'> &
  ExistingIntentResponse & FinalizeResponse & FileListResponse & MeResponse & OrdersResponse &
  DeviceCodeResponse & DeviceTokenResponse & Pick<MultipartPartsResponse, 'parts'> & ErrorBody &
  { part_number: number; etag: string };

export const ALICE = { Authorization: 'Bearer tok-alice' } as const;
export const BOB = { Authorization: 'Bearer tok-bob' } as const;

export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export interface Res<T = ApiBody> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = ApiBody>(base: string, method: string, path: string, headers: Record<string, string> = ALICE, body?: unknown): Promise<Res<T>> {
  const r = await fetch(base + path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: r.status, headers: r.headers, body: parsed as T };
}

export function intentBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { filename: 'IMG_0001.JPG', mime: 'image/jpeg', order_id: 'ORD-1', bytes: 11, ...over };
}

export const intent = (base: string, over: Record<string, unknown> = {}, headers: Record<string, string> = ALICE) =>
  api(base, 'POST', '/api/uploads/intent', headers, intentBody(over));

export const finalize = (base: string, body: Record<string, unknown>, headers: Record<string, string> = ALICE) =>
  api(base, 'POST', '/api/uploads/finalize', headers, body);

export async function put(url: string, headers: Record<string, string>, body: Uint8Array | ReadableStream<Uint8Array>): Promise<Res> {
  const r = await fetch(url, {
    method: 'PUT',
    headers,
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: r.status, headers: r.headers, body: parsed as ApiBody };
}

/** intent → PUT → finalize of `bytes`; returns the intent answer and finalize answer. */
export async function uploadFile(base: string, bytes: Uint8Array, over: Record<string, unknown> = {}, headers: Record<string, string> = ALICE) {
  const checksum = sha256(bytes);
  const i = await intent(base, { bytes: bytes.length, checksum, ...over }, headers);
  if (i.status !== 200) throw new Error(`intent ${i.status} ${JSON.stringify(i.body)}`);
  if (i.body.existing_file_id) return { intent: i.body, fileId: i.body.existing_file_id };
  const p = await put(i.body.signed_url, i.body.headers, bytes);
  if (p.status !== 200) throw new Error(`put ${p.status} ${JSON.stringify(p.body)}`);
  const f = await finalize(base, { object_key: i.body.object_key, bytes: bytes.length, checksum }, headers);
  if (f.status !== 200) throw new Error(`finalize ${f.status} ${JSON.stringify(f.body)}`);
  return { intent: i.body, fileId: f.body.file_id };
}

/** Raw node:http request, for headers fetch will not let us set (Host). */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: ApiBody }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let d = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (d += c));
        res.on('end', () => {
          let b: unknown = d;
          try {
            b = JSON.parse(d);
          } catch {
            // keep text
          }
          resolve({ status: res.statusCode ?? 0, body: b as ApiBody });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const randomBytes = (n: number): Uint8Array => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
};
