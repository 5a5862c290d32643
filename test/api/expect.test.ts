/**
 * The answer schemas (contract/responses.ts) and the client's check of every answer (api/expect.ts,
 * api/batch-answer.ts): what passes (extra fields, optional fields of older servers), what is refused
 * (missing, wrong type, null, not an object) and how the refusal reads (BAD_RESPONSE naming the field,
 * not transient). In process; the same against the real server: responses-real.test.ts, end to end with
 * the CLI: test/e2e/bad-response.test.ts.
 */
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PiximmoApi } from '../../src/api/client.js';
import { batchItems } from '../../src/api/batch-answer.js';
import { ApiError } from '../../src/api/errors.js';
import { expectBody } from '../../src/api/expect.js';
import * as R from '../../src/contract/responses.js';
import { ContractStub } from '../helpers/contract-stub.js';
import { isTransient } from '../../src/core/transfer/recovery.js';

const OP = 'POST /api/uploads/intent';
const single = { signed_url: 'http://x/put', object_key: 'ORD-1/k.jpg', headers: { 'content-type': 'image/jpeg' }, expires_at: '2026-01-01T00:00:00Z' };
const multipart = { object_key: 'ORD-1/v.mp4', multipart: { upload_id: 'u1', part_size: 5, parts: [{ part_number: 1, url: 'http://x/1' }] }, expires_at: '2026-01-01T00:00:00Z' };

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('no refusal');
}

describe('answer schemas', () => {
  it('accept what the contract says, with extra fields of a newer server, and optional fields left out by an older one', () => {
    expect(expectBody(R.SingleIntentResponseSchema, { ...single, stack_id: 's001', future_field: [1] }, OP)).toMatchObject({ ...single, stack_id: 's001' });
    expect(expectBody(R.MeResponseSchema, { user_id: 'alice' }, 'GET /api/me')).toEqual({ user_id: 'alice' });
    expect(expectBody(R.FileListResponseSchema, { files: [] }, 'GET /api/orders/:id/files')).toEqual({ files: [] });
    expect(v.is(R.IntentResponseSchema, multipart)).toBe(true);
    expect(v.is(R.IntentResponseSchema, { existing_file_id: 'f1', object_key: 'k' })).toBe(true);
  });

  it('the listing\'s `fields` names are the listed record\'s keys; an ids page takes whole records from an older server', () => {
    expect([...R.FILE_RECORD_FIELDS].sort()).toEqual(Object.keys(R.FileRecordSchema.entries).sort());
    const whole = { file_id: 'f1', object_key: 'k', filename: 'a.jpg', bytes: 1, status: 'ready' };
    expect(expectBody(R.FileIdsPageSchema, { files: [whole], next_cursor: null }, 'GET /api/orders/:id/files').files[0].file_id).toBe('f1');
    expect(refusal(() => expectBody(R.FileIdsPageSchema, { files: [{ id: 'f1' }] }, 'GET /api/orders/:id/files')).code).toBe('BAD_RESPONSE');
  });

  it('a missing field: BAD_RESPONSE, kind protocol, the field and the operation named, not transient', () => {
    const { signed_url: _, ...lacking } = single;
    const e = refusal(() => expectBody(R.SingleIntentResponseSchema, lacking, OP));
    expect(e).toMatchObject({ kind: 'protocol', status: 200, code: 'BAD_RESPONSE', operation: OP, details: { field: 'signed_url', problem: 'missing' } });
    expect(e.message).toBe("the server's answer to POST /api/uploads/intent lacks signed_url");
    expect(isTransient(e)).toBe(false);
    // null where null is not allowed reads as missing too
    expect(refusal(() => expectBody(R.SingleIntentResponseSchema, { ...single, signed_url: null }, OP)).details).toMatchObject({ field: 'signed_url', problem: 'missing' });
  });

  it('a wrong type, nested: the path with list indexes, what was expected and what came', () => {
    const bad = { ...multipart, multipart: { ...multipart.multipart, parts: [{ part_number: '1', url: 'http://x/1' }] } };
    const e = refusal(() => expectBody(R.intentSchemaOf(bad), bad, OP));
    expect(e.details).toMatchObject({ field: 'multipart.parts[0].part_number', problem: 'type', expected: 'number', received: '"1"' });
    expect(e.message).toBe(`the server's answer to ${OP} has multipart.parts[0].part_number of the wrong type (expected number, got "1")`);
    const status = refusal(() => expectBody(R.FinalizeResponseSchema, { file_id: 'f', status: 'ready' }, 'POST /api/uploads/finalize'));
    expect(status.details).toMatchObject({ field: 'status', problem: 'type' });
  });

  it('a body that is no object at all is refused without a field (an array reads as lacking the first field)', () => {
    const e = refusal(() => expectBody(R.MeResponseSchema, 'hello', 'GET /api/me'));
    expect(e.message).toBe("the server's answer to GET /api/me is not a JSON object");
    expect(refusal(() => expectBody(R.MeResponseSchema, [1, 2], 'GET /api/me')).details).toMatchObject({ field: 'user_id' });
    expect(refusal(() => expectBody(R.MeResponseSchema, undefined, 'GET /api/me')).code).toBe('BAD_RESPONSE');
  });

  it('intentSchemaOf picks the answer the body claims to be, so the refusal names that answer’s field', () => {
    expect(R.intentSchemaOf({ existing_file_id: 'f' })).toBe(R.ExistingIntentResponseSchema);
    expect(R.intentSchemaOf({ multipart: {} })).toBe(R.MultipartIntentResponseSchema);
    expect(R.intentSchemaOf({})).toBe(R.SingleIntentResponseSchema);
    expect(refusal(() => expectBody(R.intentSchemaOf({ existing_file_id: 'f' }), { existing_file_id: 'f' }, OP)).details).toMatchObject({ field: 'object_key' });
  });

  it('listed EXIF values of another type are dropped, not a refusal of the whole listing', () => {
    const rec = {
      file_id: 'f', object_key: 'k', filename: 'a.jpg', bytes: 1, mime: 'image/jpeg', checksum: null, room_type: 'unsorted', stack_id: 's000',
      status: 'ready', previews: ['small'], exif_meta: { make: 'Canon', focal: '24mm', ev: -2 }, created_at: '2026-01-01T00:00:00Z',
    };
    const out = expectBody(R.FileListResponseSchema, { files: [rec], next_cursor: null }, 'GET /api/orders/:id/files');
    expect(out.files[0].exif_meta).toEqual({ make: 'Canon', focal: undefined, ev: -2 });
    expect(refusal(() => expectBody(R.FileRecordSchema, { ...rec, bytes: '1' }, 'x')).details).toMatchObject({ field: 'bytes', problem: 'type' });
  });
});

describe('batch answers: each item on its own', () => {
  const op = 'POST /api/uploads/intents';
  it('a good item, an error item (its status from the error table), a malformed item (BAD_RESPONSE naming uploads[i])', () => {
    const { signed_url: _, ...lacking } = single;
    const items = batchItems([single, { error: { code: 'FILE_TOO_LARGE', message: 'too big' } }, lacking], 3, 'uploads', R.intentSchemaOf, op);
    expect(items[0]).toMatchObject(single);
    expect(items[1]).toMatchObject({ kind: 'http', status: 413, code: 'FILE_TOO_LARGE', message: 'too big' });
    expect(items[2]).toMatchObject({ kind: 'protocol', code: 'BAD_RESPONSE', details: { field: 'uploads[2].signed_url' } });
    expect(isTransient(items[2])).toBe(false);
    // an error item that is itself malformed
    const bad = batchItems([{ error: { code: 'X' } }], 1, 'uploads', R.intentSchemaOf, op);
    expect(bad[0]).toMatchObject({ code: 'BAD_RESPONSE', details: { field: 'uploads[0].error.message' } });
  });

  it('a list of the wrong length fails the whole request', () => {
    expect(() => batchItems([single], 2, 'uploads', R.intentSchemaOf, op)).toThrow(/lists 1 uploads for 2 files/);
  });
});

describe('transient', () => {
  it('a body that is not JSON may be a flaky proxy (retried); a JSON answer that breaks the contract is not', () => {
    const garbage = new ApiError({ kind: 'protocol', status: 200, code: 'BAD_RESPONSE', message: 'html', operation: OP });
    expect(isTransient(garbage)).toBe(true);
    const contract = new ApiError({ kind: 'protocol', status: 200, code: 'BAD_RESPONSE', message: 'm', operation: OP, details: { field: 'signed_url' } });
    expect(isTransient(contract)).toBe(false);
  });
});

describe('PiximmoApi checks every answer (stub server)', () => {
  let stub: ContractStub;
  let api: PiximmoApi;
  beforeAll(async () => {
    stub = await ContractStub.start();
    api = new PiximmoApi({ apiUrl: stub.url, token: 'tok-alice' });
  });
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  it('valid answers come through typed; a 204 where nothing is read is fine', async () => {
    expect((await api.me()).user_id).toBe('alice');
    expect((await api.listFiles('ORD-1')).files).toEqual([]);
    stub.routes['POST /api/auth/logout'] = () => ({ status: 204, body: '' });
    await expect(api.logout()).resolves.toBeUndefined();
  });

  it('a 200 lacking a field rejects with BAD_RESPONSE naming it', async () => {
    stub.routes['POST /api/uploads/finalize'] = () => ({ status: 200, body: { status: 'uploaded' } });
    await expect(api.finalize({ object_key: 'k', bytes: 1, checksum: 'c' })).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: "the server's answer to POST /api/uploads/finalize lacks file_id",
    });
    stub.routes['GET /api/orders/ORD-1/stacks'] = () => ({ status: 200, body: { stacks: [{ room_type: 'x' }] } });
    await expect(api.listStacks('ORD-1')).rejects.toMatchObject({ details: { field: 'stacks[0].room_label' } });
    stub.routes['POST /api/uploads/finalize-batch'] = () => ({ status: 200, body: { results: [{ file_id: 'f1', status: 'uploaded' }, { status: 'uploaded' }] } });
    const r = await api.finalizeBatch([
      { object_key: 'a', bytes: 1, checksum: 'c' },
      { object_key: 'b', bytes: 1, checksum: 'c' },
    ]);
    expect(r[0]).toEqual({ file_id: 'f1', status: 'uploaded' });
    expect(r[1]).toMatchObject({ code: 'BAD_RESPONSE', details: { field: 'results[1].file_id' } });
  });
});
