/**
 * Issue 9 "An executable contract", server half: every route that reads a body or a query validates it with
 * the contract's valibot schema (src/contract/requests.ts), and a request the schema rejects is answered
 * with SPEC's error body `{"error": {"code": "VALIDATION_FAILED", "message", "details": {"field"}}}`, the
 * field being the path of the first offending value joined by "." (`parts.1.etag`). Each case is also run
 * through the schema in-process: the server's field is the schema's. Real Miniflare, real HTTP.
 * Batches answer a bad item in its own slot (status 200), naming the field inside the item.
 */
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchIntentEnvelopeSchema,
  BatchIntentFileSchema,
  DeviceTokenRequestSchema,
  FileListQuerySchema,
  FinalizeBatchEnvelopeSchema,
  FinalizeRequestSchema,
  IntentRequestSchema,
  MultipartAbortRequestSchema,
  MultipartCompleteRequestSchema,
  MultipartPartsRequestSchema,
  PreviewQuerySchema,
  StatsQuerySchema,
} from '../../src/contract/requests.js';
import { slugify as clientSlugify } from '../../src/core/plan/room-aliases.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, intentBody } from './_client.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ intentRate: 0 });
});
afterAll(async () => {
  await s?.close();
});

/** The field the schema names for `input` (first issue's path, "body" at the root), or null when it accepts it. */
function schemaField(schema: v.GenericSchema, input: unknown): string | null {
  const r = v.safeParse(schema, input, { abortEarly: true });
  if (r.success) return null;
  return (r.issues[0].path ?? []).map((p) => String(p.key)).join('.') || 'body';
}

const finalizeBody = (over: Record<string, unknown> = {}) => ({ object_key: 'user/alice/orders/ORD-1/raw/x.jpg', bytes: 11, ...over });
const upload = { object_key: 'user/alice/orders/ORD-1/raw/x.mp4', upload_id: 'u-1' };
const part = (n: number, etag = 'e') => ({ part_number: n, etag });

/** [route, body, field, schema]: each a wrong type, a missing field, or a nested array item's field. */
const bodyCases: [string, unknown, string, v.GenericSchema][] = [
  ['/api/uploads/intent', intentBody({ bytes: '12' }), 'bytes', IntentRequestSchema],
  ['/api/uploads/intent', intentBody({ filename: undefined }), 'filename', IntentRequestSchema],
  ['/api/uploads/intent', intentBody({ order_id: undefined }), 'order_id', IntentRequestSchema],
  ['/api/uploads/intent', intentBody({ stack_frames: 0 }), 'stack_frames', IntentRequestSchema],
  ['/api/uploads/intent', intentBody({ room_label: 7 }), 'room_label', IntentRequestSchema],
  ['/api/uploads/intent', [intentBody()], 'body', IntentRequestSchema],
  ['/api/uploads/intents', { order_id: 'ORD-1', files: 'x' }, 'files', BatchIntentEnvelopeSchema],
  ['/api/uploads/intents', { files: [intentBody()] }, 'order_id', BatchIntentEnvelopeSchema],
  ['/api/uploads/intents', { order_id: 'ORD-1', files: Array(51).fill({}) }, 'files', BatchIntentEnvelopeSchema],
  ['/api/uploads/finalize', finalizeBody({ bytes: -1 }), 'bytes', FinalizeRequestSchema],
  ['/api/uploads/finalize', finalizeBody({ object_key: undefined }), 'object_key', FinalizeRequestSchema],
  ['/api/uploads/finalize', finalizeBody({ checksum: 'xyz' }), 'checksum', FinalizeRequestSchema],
  ['/api/uploads/finalize', finalizeBody({ exif_meta: [1] }), 'exif_meta', FinalizeRequestSchema],
  ['/api/uploads/finalize', finalizeBody({ replaces: 5 }), 'replaces', FinalizeRequestSchema],
  ['/api/uploads/finalize-batch', { files: {} }, 'files', FinalizeBatchEnvelopeSchema],
  ['/api/uploads/finalize-batch', {}, 'files', FinalizeBatchEnvelopeSchema],
  ['/api/uploads/multipart/parts', { ...upload, part_numbers: [1, 'x'] }, 'part_numbers.1', MultipartPartsRequestSchema],
  ['/api/uploads/multipart/parts', { object_key: upload.object_key, part_numbers: [1] }, 'upload_id', MultipartPartsRequestSchema],
  ['/api/uploads/multipart/parts', { ...upload, part_numbers: 1 }, 'part_numbers', MultipartPartsRequestSchema],
  ['/api/uploads/multipart/complete', { ...upload, parts: [part(1), { part_number: 2 }] }, 'parts.1.etag', MultipartCompleteRequestSchema],
  ['/api/uploads/multipart/complete', { ...upload, parts: [part(0)] }, 'parts.0.part_number', MultipartCompleteRequestSchema],
  ['/api/uploads/multipart/complete', { ...upload, parts: [part(1), 'p2'] }, 'parts.1', MultipartCompleteRequestSchema],
  ['/api/uploads/multipart/complete', { ...upload, parts: [] }, 'parts', MultipartCompleteRequestSchema],
  ['/api/uploads/multipart/abort', { ...upload, object_key: 7 }, 'object_key', MultipartAbortRequestSchema],
  ['/api/auth/device/token', { device_code: 42 }, 'device_code', DeviceTokenRequestSchema],
];

describe('every body the schema rejects → 400 VALIDATION_FAILED naming the field', () => {
  it.each(bodyCases)('%s %j → %s', async (path, body, field, schema) => {
    expect(schemaField(schema, body)).toBe(field);
    const r = await api(s.url, 'POST', path, undefined, body);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String), details: { field } } });
  });

  it('the message is the field\'s own ("bytes is required (integer >= 0)")', async () => {
    const r = await api(s.url, 'POST', '/api/uploads/intent', undefined, intentBody({ bytes: 1.5 }));
    expect(r.body.error.message).toBe('bytes is required (integer >= 0)');
  });

  it('a control character in a name also names the character (details.char)', async () => {
    const body = intentBody({ filename: 'IMG\u202Egpj.exe' });
    expect(schemaField(IntentRequestSchema, body)).toBe('filename');
    const r = await api(s.url, 'POST', '/api/uploads/intent', undefined, body);
    expect(r.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'filename', char: 'U+202E' } });
  });
});

describe('batches answer a bad item in its own slot, naming the field inside the item', () => {
  it('intents: wrong type, missing field, not an object; the good file is issued', async () => {
    const files = [intentBody({ bytes: 'x' }), intentBody({ mime: undefined }), 3, intentBody({ filename: 'ok.jpg' })];
    const fields = files.slice(0, 3).map((f) => schemaField(BatchIntentFileSchema, f) ?? '');
    expect(fields).toEqual(['bytes', 'mime', 'body']); // the route names a root failure of an item "files"
    const r = await api(s.url, 'POST', '/api/uploads/intents', undefined, { order_id: 'ORD-1', files });
    expect(r.status).toBe(200);
    const u = (r.body as unknown as { uploads: unknown }).uploads as { error?: { code: string; details: unknown }; signed_url?: string }[];
    expect(u.slice(0, 3).map((x) => x.error)).toEqual([
      { code: 'VALIDATION_FAILED', message: expect.any(String), details: { field: 'bytes' } },
      { code: 'VALIDATION_FAILED', message: expect.any(String), details: { field: 'mime' } },
      { code: 'VALIDATION_FAILED', message: expect.any(String), details: { field: 'files' } },
    ]);
    expect(u[3].signed_url).toBeTruthy();
  });

  it('finalize-batch: wrong type and missing field per item', async () => {
    const files = [finalizeBody({ object_key: 5 }), finalizeBody({ bytes: undefined })];
    expect(files.map((f) => schemaField(FinalizeRequestSchema, f))).toEqual(['object_key', 'bytes']);
    const r = await api(s.url, 'POST', '/api/uploads/finalize-batch', undefined, { files });
    expect(r.status).toBe(200);
    const res = (r.body as unknown as { results: { error: { code: string; details: unknown } }[] }).results;
    expect(res.map((x) => x.error.details)).toEqual([{ field: 'object_key' }, { field: 'bytes' }]);
  });
});

/** [path, query, field, schema] */
const queryCases: [string, Record<string, string>, string, v.GenericSchema][] = [
  ['/api/orders/ORD-1/files', { limit: '0' }, 'limit', FileListQuerySchema],
  ['/api/orders/ORD-1/files', { limit: 'ten' }, 'limit', FileListQuerySchema],
  ['/api/orders/ORD-1/files', { status: 'gone' }, 'status', FileListQuerySchema],
  ['/api/orders/ORD-1/files', { fields: 'file_id,secret' }, 'fields', FileListQuerySchema],
  ['/api/files/f-1/preview', { size: 'huge' }, 'size', PreviewQuerySchema],
  ['/api/uploads/stats', { since: 'yesterday' }, 'since', StatsQuerySchema],
];

describe('every query the schema rejects → 400 VALIDATION_FAILED naming the parameter', () => {
  it.each(queryCases)('%s ?%j → %s', async (path, query, field, schema) => {
    expect(schemaField(schema, query)).toBe(field);
    const r = await api(s.url, 'GET', `${path}?${new URLSearchParams(query)}`);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String), details: { field } } });
  });

  it('an empty parameter counts as absent, and the parsed values reach the route (limit=1 → one file per page)', async () => {
    expect((await api(s.url, 'GET', '/api/orders/ORD-1/files?status=&limit=&cursor=')).status).toBe(200);
    expect(v.parse(FileListQuerySchema, { limit: '1', with_urls: '1', status: '' })).toEqual({ limit: 1, with_urls: true, status: undefined });
  });
});

describe('one slug function: the object key the server builds holds the client\'s slug (issue 9 slug table)', () => {
  it.each(['Gästehaus', 'Køkken', 'Łazienka', 'Œuvre', 'Wine Cellar', 'Schlafzimmer 1'])('%s', async (name) => {
    const r = await api(s.url, 'POST', '/api/uploads/intent', undefined, intentBody({ room_type: name, stack_id: name }));
    expect(r.status).toBe(200);
    const client = clientSlugify(name);
    expect(client).toMatch(/^[a-z0-9-]+$/);
    expect(r.body.object_key).toMatch(new RegExp(`_${client}_${client}_v\\d+\\.jpg$`));
  });
});
