/**
 * src/core/transfer/engine.ts — UploadEngine with a stub UploadApi, a fake clock, real temp files and a real
 * ManifestStore: the per-file flow and SPEC "Errors" one by one (PUT 403/410 renewals ≤ 2, finalize 409 →
 * re-upload, 401 → fatal, ORDER_FORBIDDEN → that order stops, file changed → re-hash, duplicates by
 * content, already registered → skipped).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { UploadEngine, type EngineOptions } from '../../src/core/transfer/engine.js';
import type { EngineEvent, } from '../../src/core/transfer/events.js';
import { sha256File } from '../../src/core/transfer/hash.js';
import { ManifestStore } from '../../src/core/transfer/manifest.js';
import { type HashFile, WHOLE_READ_BYTES } from '../../src/core/transfer/file-prep.js';
import { InstantClock } from './_fake-clock.js';
import { bytesOf, httpError, plan, Sandbox, sha256, statesOf, StubApi } from './_engine-fixture.js';

let sandbox: Sandbox;
let clock: InstantClock;
let api: StubApi;

beforeEach(async () => {
  sandbox = await Sandbox.create();
  clock = new InstantClock();
  api = new StubApi(clock);
});
afterEach(async () => {
  await sandbox.cleanup();
});

function engine(opts: Partial<EngineOptions> = {}, hashFile: HashFile = sha256File) {
  const events: EngineEvent[] = [];
  const e = new UploadEngine(
    { api, hashFile, clock },
    { concurrency: 1, intentRate: 0, retry: { attempts: 3, baseMs: 10, capMs: 100, rateLimitWaits: 3 }, ...opts },
  );
  e.on((ev) => events.push(ev));
  return { engine: e, events };
}

describe('UploadEngine: the happy path', () => {
  it('intent → PUT → finalize; events waiting → uploading → uploaded → registered; manifest registered on disk', async () => {
    const content = 'kitchen photo bytes';
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'kitchen/IMG_1.jpg': content });
    const { engine: eng, events } = engine();
    const result = await eng.run(files);

    expect(statesOf(events, 'kitchen/IMG_1.jpg')).toEqual(['waiting', 'uploading', 'uploaded', 'registered']);
    expect(api.log.map((l) => l.split(' ')[0])).toEqual(['intent', 'put', 'finalize']);
    expect(api.intents[0]).toEqual({
      filename: 'IMG_1.jpg',
      mime: 'image/jpeg',
      order_id: 'ORD-1',
      room_type: 'kitchen',
      stack_id: 'g001',
      bytes: content.length,
      checksum: sha256(content),
    });
    // the PUT sends exactly the intent's headers and the whole file
    expect(api.puts[0].headers).toEqual({ 'Content-Type': 'image/jpeg', 'x-amz-meta-n': '1' });
    expect(api.puts[0].src).toEqual({ path: files[0].absPath, start: 0, length: content.length });
    expect(api.finalizes[0]).toEqual({
      object_key: 'user/u1/orders/ORD-1/raw/IMG_1.jpg-v1',
      bytes: content.length,
      checksum: sha256(content),
      exif_meta: { make: 'Canon', iso: 100 },
    });

    const fileId = 'file:user/u1/orders/ORD-1/raw/IMG_1.jpg-v1';
    expect(result.outcomes).toMatchObject([{ state: 'registered', file_id: fileId }]);
    expect(result.fatal).toBeUndefined();
    expect(result.forbidden_orders).toEqual([]);
    expect(result.interrupted).toBe(false);
    expect(result.bytes_sent).toBe(content.length);
    expect(bytesOf(events, files[0])).toBe(content.length);

    const onDisk = await ManifestStore.read(shoot.manifest.file);
    expect(onDisk!.files['kitchen/IMG_1.jpg']).toMatchObject({
      state: 'registered',
      file_id: fileId,
      object_key: 'user/u1/orders/ORD-1/raw/IMG_1.jpg-v1',
      checksum: sha256(content),
      bytes: content.length,
      attempts: 1,
    });
    expect(onDisk!.files['kitchen/IMG_1.jpg'].last_error).toBeUndefined();
  });

  it('uploads many files with a pool, each once, and registers all of them', async () => {
    const contents = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`room/f${i}.jpg`, `content ${i}`]));
    const { files } = await sandbox.shoot('ORD-1', contents);
    const { engine: eng } = engine({ concurrency: 4 });
    const result = await eng.run(files);
    expect(result.outcomes.map((o) => o.state)).toEqual(Array(12).fill('registered'));
    expect(api.puts).toHaveLength(12);
    expect(new Set(api.finalizes.map((f) => f.checksum)).size).toBe(12);
  });

  it('a transient PUT failure (503) is retried with backoff; the bytes of the failed try are taken back', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'aaaaaaaaaa' });
    api.onPut = (_url, src, opts, n) => {
      if (n === 1) {
        opts.onBytes?.(src.length);
        throw httpError(503, 'HTTP_503');
      }
      return undefined;
    };
    const { engine: eng, events } = engine();
    const result = await eng.run(files);
    expect(result.outcomes[0].state).toBe('registered');
    expect(api.intents).toHaveLength(1); // same URL, no new intent for a 5xx
    expect(api.puts).toHaveLength(2);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(1);
    expect(clock.sleeps).toHaveLength(1);
    expect(bytesOf(events, files[0])).toBe(10);
  });

  it('a 429 on intent waits Retry-After and goes on', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'a' });
    api.onIntent = (_b, n) => {
      if (n === 1) throw new ApiError({ kind: 'http', status: 429, code: 'RATE_LIMITED', message: 'slow', operation: 'x', retryAfterMs: 2000 });
      return undefined;
    };
    const { engine: eng } = engine({ intentRate: 3 });
    const result = await eng.run(files);
    expect(result.outcomes[0].state).toBe('registered');
    expect(clock.sleeps).toContain(2000);
  });
});

describe('UploadEngine: PUT 403/410 → new intent, at most 2 times', () => {
  it('PUT 410 twice, then success: 3 intents, 3 PUTs, registered', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'photo' });
    api.onPut = (_u, _s, _o, n) => {
      if (n <= 2) throw httpError(410, 'URL_EXPIRED');
      return undefined;
    };
    const { engine: eng, events } = engine();
    const result = await eng.run(files);
    expect(result.outcomes[0].state).toBe('registered');
    expect(api.intents).toHaveLength(3);
    expect(api.puts.map((p) => p.url)).toEqual([1, 2, 3].map((n) => `https://store.test/ORD-1/a.jpg?n=${n}`));
    expect(api.finalizes).toHaveLength(1);
    expect(api.finalizes[0].object_key).toBe('user/u1/orders/ORD-1/raw/a.jpg-v3'); // the last intent's key
    expect(statesOf(events, 'a.jpg')).toEqual(['waiting', 'uploading', 'uploading', 'uploading', 'uploaded', 'registered']);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { code: string }).code)).toEqual(['URL_EXPIRED', 'URL_EXPIRED']);
    expect(shoot.manifest.get('a.jpg')).toMatchObject({ state: 'registered', attempts: 3 });
  });

  it.each([
    [410, 'URL_EXPIRED'],
    [403, 'BAD_SIGNATURE'],
  ])('PUT %i three times → failed URL_REJECTED after 3 intents; the next file still goes', async (status, code) => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'photo a', 'b.jpg': 'photo b' });
    api.onPut = (url) => {
      if (url.includes('/a.jpg')) throw httpError(status, code);
      return undefined;
    };
    const { engine: eng, events } = engine();
    const result = await eng.run(files);
    const [a, b] = result.outcomes;
    expect(a).toMatchObject({ state: 'failed', failure: { code: 'URL_REJECTED' } });
    expect(b.state).toBe('registered');
    expect(api.intents.filter((i) => i.filename === 'a.jpg')).toHaveLength(3);
    expect(api.finalizes.map((f) => f.object_key)).not.toContainEqual(expect.stringContaining('a.jpg'));
    expect(statesOf(events, 'a.jpg').at(-1)).toBe('failed');
    expect(shoot.manifest.get('a.jpg')).toMatchObject({ state: 'failed', last_error: { code: 'URL_REJECTED' } });
    expect(result.fatal).toBeUndefined();
  });
});

describe('UploadEngine: finalize 409 → back to waiting, upload again', () => {
  it('finalize 409 once: a new intent, a second PUT, a second finalize; registered', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'photo' });
    api.onFinalize = (_b, n) => {
      if (n === 1) throw httpError(409, 'OBJECT_MISSING');
      return undefined;
    };
    const { engine: eng, events } = engine();
    const result = await eng.run(files);
    expect(result.outcomes[0].state).toBe('registered');
    expect(api.log.map((l) => l.split(' ')[0])).toEqual(['intent', 'put', 'finalize', 'intent', 'put', 'finalize']);
    expect(statesOf(events, 'a.jpg')).toEqual(['waiting', 'uploading', 'uploaded', 'waiting:retry-upload', 'uploading', 'uploaded', 'registered']);
    expect(shoot.manifest.get('a.jpg')!.state).toBe('registered');
  });

  it('finalize 409 every time → failed OBJECT_MISSING after 2 re-uploads (a broken server cannot loop us)', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'photo' });
    api.onFinalize = () => {
      throw httpError(409, 'OBJECT_MISSING');
    };
    const { engine: eng } = engine();
    const result = await eng.run(files);
    expect(result.outcomes[0]).toMatchObject({ state: 'failed', failure: { code: 'OBJECT_MISSING' } });
    expect(api.finalizes).toHaveLength(3);
    expect(api.puts).toHaveLength(3);
    expect(shoot.manifest.get('a.jpg')).toMatchObject({ state: 'failed', last_error: { code: 'OBJECT_MISSING' } });
  });

  // Was a bug (fixed, now by the body reads: src/core/transfer/body-meter.ts — a restarted read takes its own bytes
  // back, an upload-again rewinds the file's meter; formerly engine.ts transfer() and send()): the bytes of a
  // transfer that ended in a PUT 403/410 renewal or a finalize-409 re-upload are never taken back (only
  // withRetry's in-place retries emit a negative delta, and multipart.ts takes back a failed part's bytes).
  // The file's progress then counts its bytes twice: ProgressTracker shows e.g. 20 of 10 bytes for the
  // file and bytes_sent above bytes_total, the per-file bar overflows and the ETA is off. EngineEvent
  // 'bytes' is documented as "negative when a retry starts the file over".
  it('after a re-upload the file\'s net progress is its size, not twice its size', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': '0123456789' });
    api.onFinalize = (_b, n) => {
      if (n === 1) throw httpError(409, 'OBJECT_MISSING');
      return undefined;
    };
    const { engine: eng, events } = engine();
    await eng.run(files);
    expect(bytesOf(events, files[0])).toBe(10); // was 20 before the fix
  });

  it('after a PUT 410 renewal the file\'s net progress is its size', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': '0123456789' });
    api.onPut = (_u, src, opts, n) => {
      if (n === 1) {
        opts.onBytes?.(src.length); // the body went out, then the store said 410
        throw httpError(410, 'URL_EXPIRED');
      }
      return undefined;
    };
    const { engine: eng, events } = engine();
    await eng.run(files);
    expect(bytesOf(events, files[0])).toBe(10); // was 20 before the fix
  });
});

describe('UploadEngine: 401 → stop everything', () => {
  it('401 on intent: fatal UNAUTHENTICATED, the other files are not started', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'a', 'b.jpg': 'b', 'c.jpg': 'c' });
    api.onIntent = () => {
      throw httpError(401, 'UNAUTHENTICATED');
    };
    const { engine: eng, events } = engine();
    const result = await eng.run(files);
    expect(result.fatal).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(events.filter((e) => e.type === 'fatal')).toHaveLength(1);
    expect(api.intents).toHaveLength(1);
    expect(api.puts).toHaveLength(0);
    expect(result.outcomes.map((o) => o.state)).toEqual(['waiting', 'waiting', 'waiting']);
    for (const f of ['b.jpg', 'c.jpg']) expect(statesOf(events, f)).toEqual(['waiting']);
    expect(events.some((e) => e.type === 'file' && e.state === 'failed')).toBe(false);
    // nothing is recorded as failed: a re-run after `piximmo login` takes every file again
    expect(shoot.manifest.entries().every(([, m]) => m.state !== 'failed')).toBe(true);
  });

  it('401 on finalize is fatal too, and aborts the transfers in flight (they stay waiting, not failed)', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'a', 'b.jpg': 'b', 'c.jpg': 'c' });
    let bAborted = false;
    let bStarted!: () => void;
    const bPutStarted = new Promise<void>((r) => (bStarted = r));
    api.onPut = async (url, _src, opts) => {
      if (!url.includes('/b.jpg')) return undefined;
      bStarted();
      // b's PUT hangs until the run is stopped
      await new Promise<void>((_r, reject) =>
        opts.signal!.addEventListener('abort', () => {
          bAborted = true;
          reject(new ApiError({ kind: 'aborted', code: 'ABORTED', message: 'interrupted', operation: 'PUT signed URL' }));
        }),
      );
      return undefined;
    };
    api.onFinalize = async () => {
      await bPutStarted; // b's PUT is under way
      throw httpError(401, 'UNAUTHENTICATED');
    };
    const { engine: eng, events } = engine({ concurrency: 2 });
    const result = await eng.run(files);
    expect(result.fatal).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(bAborted).toBe(true);
    expect(result.outcomes.map((o) => o.state)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(statesOf(events, 'c.jpg')).toEqual(['waiting']);
    expect(api.intents.map((i) => i.filename)).not.toContain('c.jpg');
  });
});

describe('UploadEngine: ORDER_FORBIDDEN → that order stops, others go on', () => {
  it("one order's files stop at the first 403 while another order's files register", async () => {
    const x = await sandbox.shoot('ORD-X', { 'x1.jpg': 'x1', 'x2.jpg': 'x2', 'x3.jpg': 'x3' });
    const y = await sandbox.shoot('ORD-Y', { 'y1.jpg': 'y1', 'y2.jpg': 'y2', 'y3.jpg': 'y3' });
    api.onIntent = (body) => {
      if (body.order_id === 'ORD-X') throw httpError(403, 'ORDER_FORBIDDEN');
      return undefined;
    };
    const interleaved = [x.files[0], y.files[0], x.files[1], y.files[1], x.files[2], y.files[2]];
    const { engine: eng, events } = engine({ concurrency: 2 });
    const result = await eng.run(interleaved);

    expect(result.forbidden_orders).toEqual(['ORD-X']);
    expect(result.fatal).toBeUndefined();
    const forbidden = events.filter((e) => e.type === 'order-forbidden');
    expect(forbidden).toHaveLength(1);
    expect(forbidden[0]).toMatchObject({ orderId: 'ORD-X', failure: { code: 'ORDER_FORBIDDEN' } });
    const byName = Object.fromEntries(result.outcomes.map((o) => [o.file.relPath, o.state]));
    expect(byName).toEqual({ 'x1.jpg': 'waiting', 'x2.jpg': 'waiting', 'x3.jpg': 'waiting', 'y1.jpg': 'registered', 'y2.jpg': 'registered', 'y3.jpg': 'registered' });
    expect(api.puts.every((p) => p.url.includes('/ORD-Y/'))).toBe(true);
    // x3 comes after the 403 was known: it never asks
    expect(api.intents.map((i) => i.filename)).not.toContain('x3.jpg');
    expect(events.some((e) => e.type === 'file' && e.state === 'failed')).toBe(false);
  });
});

describe('UploadEngine: duplicates by content', () => {
  it('identical contents in one order → one upload + one duplicate with the same file_id', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a/IMG_1.jpg': 'same bytes', 'b/IMG_1 copy.jpg': 'same bytes', 'c.jpg': 'other' });
    const { engine: eng, events } = engine({ concurrency: 3 });
    const result = await eng.run(files);
    expect(api.puts).toHaveLength(2);
    expect(api.finalizes).toHaveLength(2);
    // whichever of the two is hashed first is sent; the other is its duplicate
    const [a, b] = result.outcomes;
    const [sent, dup] = a.note === 'duplicate' ? [b, a] : [a, b];
    expect(sent).toMatchObject({ state: 'registered' });
    expect(sent.note).toBeUndefined();
    expect(dup).toMatchObject({ state: 'registered', note: 'duplicate', file_id: sent.file_id, object_key: sent.object_key });
    expect(statesOf(events, dup.file)).toEqual(['waiting', 'registered:duplicate']);
    expect(shoot.manifest.get(dup.file.relPath)).toMatchObject({ state: 'registered', file_id: sent.file_id });
    expect(shoot.manifest.get(sent.file.relPath)).toMatchObject({ state: 'registered', file_id: sent.file_id });
  });

  it('the same content in two orders is uploaded to each', async () => {
    const one = await sandbox.shoot('ORD-1', { 'a.jpg': 'same' });
    const two = await sandbox.shoot('ORD-2', { 'a.jpg': 'same' });
    const { engine: eng } = engine({ concurrency: 2 });
    const result = await eng.run([...one.files, ...two.files]);
    expect(result.outcomes.map((o) => [o.state, o.note])).toEqual([
      ['registered', undefined],
      ['registered', undefined],
    ]);
    expect(api.puts).toHaveLength(2);
  });

  it('an intent answering existing_file_id registers the file without sending it', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'already on the server' });
    api.onIntent = () => ({ existing_file_id: 'file-77', object_key: 'user/u1/orders/ORD-1/raw/old.jpg' });
    const { engine: eng, events } = engine();
    const result = await eng.run(files);
    expect(result.outcomes[0]).toMatchObject({ state: 'registered', note: 'duplicate', file_id: 'file-77' });
    expect(api.puts).toHaveLength(0);
    expect(api.finalizes).toHaveLength(0);
    expect(statesOf(events, 'a.jpg')).toEqual(['waiting', 'registered:duplicate']);
    expect(shoot.manifest.get('a.jpg')).toMatchObject({ state: 'registered', file_id: 'file-77' });
  });
});

describe('UploadEngine: a file changed on disk', () => {
  it('a file that changes between hash and finalize is re-hashed and sent again with the new checksum', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'first version' });
    const second = 'second, longer version of the photo';
    api.onPut = async (_u, src, opts, n) => {
      if (n === 1) {
        opts.onBytes?.(src.length);
        await fsp.writeFile(files[0].absPath, second); // the photographer re-exported it meanwhile
        await fsp.utimes(files[0].absPath, new Date(), new Date(Date.now() + 5000));
      }
      return undefined;
    };
    const hashFile = vi.fn(sha256File);
    const { engine: eng } = engine({}, hashFile);
    const result = await eng.run(files);
    expect(result.outcomes[0].state).toBe('registered');
    expect(hashFile).toHaveBeenCalledTimes(2);
    expect(api.intents.map((i) => [i.checksum, i.bytes])).toEqual([
      [sha256('first version'), 'first version'.length],
      [sha256(second), second.length],
    ]);
    expect(api.finalizes).toHaveLength(1); // the torn upload was never registered
    expect(api.finalizes[0]).toMatchObject({ checksum: sha256(second), bytes: second.length });
    expect(api.puts[1].src.length).toBe(second.length);
    expect(shoot.manifest.get('a.jpg')).toMatchObject({ state: 'registered', checksum: sha256(second), bytes: second.length });
  });

  it('a file that keeps changing during every upload is given up after 2 re-reads: failed FILE_CHANGED, never finalized', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'v0' });
    api.onPut = async (_u, _s, _o, n) => {
      await fsp.writeFile(files[0].absPath, `version ${n} ${'x'.repeat(n)}`);
      return undefined;
    };
    const hashFile = vi.fn(sha256File);
    const { engine: eng } = engine({}, hashFile);
    const result = await eng.run(files);
    expect(result.outcomes[0]).toMatchObject({ state: 'failed', failure: { code: 'FILE_CHANGED' } });
    expect(api.puts).toHaveLength(3);
    expect(hashFile).toHaveBeenCalledTimes(3);
    expect(api.finalizes).toEqual([]);
    expect(shoot.manifest.get('a.jpg')).toMatchObject({ state: 'failed', last_error: { code: 'FILE_CHANGED' } });
  });

  it('a small file is read once for its container check and its checksum; a file over 1 MiB is hashed from disk', async () => {
    const big = Buffer.alloc(WHOLE_READ_BYTES + 1, 7);
    const { files } = await sandbox.shoot('ORD-1', { 'small.jpg': 'small photo bytes', 'big.bin': big });
    // The content is a pooled read buffer, reused once the hash returns: copied as it is passed.
    const passed = new Map<string, string | undefined>();
    const hashFile: HashFile = (p, o) => {
      passed.set(path.basename(p), o?.content && Buffer.from(o.content).toString('latin1'));
      return sha256File(p, o);
    };
    const { engine: eng } = engine({}, hashFile);
    const result = await eng.run(files);
    expect(result.outcomes.map((o) => o.state)).toEqual(['registered', 'registered']);
    expect(passed.get('small.jpg')).toBe('small photo bytes');
    expect(passed.has('big.bin') && passed.get('big.bin')).toBeUndefined();
    expect(api.intents.map((i) => i.checksum).sort()).toEqual([sha256('small photo bytes'), sha256(big)].sort());
  });

  it('an empty file fails EMPTY_FILE without any API call', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'empty.jpg': '' });
    const { engine: eng } = engine();
    const result = await eng.run(files);
    expect(result.outcomes[0]).toMatchObject({ state: 'failed', failure: { code: 'EMPTY_FILE' } });
    expect(api.log).toEqual([]);
  });

  it('a checksum mismatch (422) from the store means other bytes than hashed: re-hash and send again', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'photo' });
    api.onPut = (_u, _s, _o, n) => {
      if (n === 1) throw httpError(422, 'CHECKSUM_MISMATCH');
      return undefined;
    };
    const hashFile = vi.fn(sha256File);
    const { engine: eng } = engine({}, hashFile);
    const result = await eng.run(files);
    expect(result.outcomes[0].state).toBe('registered');
    expect(hashFile).toHaveBeenCalledTimes(2);
    expect(api.intents).toHaveLength(2);
  });

  it('a file deleted after the scan fails FILE_VANISHED without any API call', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'photo', 'b.jpg': 'b' });
    await fsp.rm(files[0].absPath);
    const { engine: eng } = engine();
    const result = await eng.run(files);
    expect(result.outcomes[0]).toMatchObject({ state: 'failed', failure: { code: 'FILE_VANISHED' } });
    expect(result.outcomes[1].state).toBe('registered');
    expect(api.intents.map((i) => i.filename)).toEqual(['b.jpg']);
  });
});

describe('UploadEngine: re-runs', () => {
  it('already-registered files are skipped without any API call (and without hashing)', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'a', 'b.jpg': 'b' });
    for (const f of files) {
      shoot.manifest.set(f.relPath, {
        bytes: f.bytes,
        mtime_ms: f.mtimeMs,
        checksum: sha256(f.relPath),
        state: 'registered',
        room_type: f.room_type,
        stack_id: f.stack_id,
        object_key: `k/${f.relPath}`,
        file_id: `id-${f.relPath}`,
        attempts: 1,
        updated_at: '',
      });
    }
    const hashFile = vi.fn(sha256File);
    const { engine: eng, events } = engine({}, hashFile);
    const result = await eng.run(files);
    expect(api.log).toEqual([]);
    expect(hashFile).not.toHaveBeenCalled();
    expect(result.outcomes).toMatchObject([
      { state: 'registered', note: 'already', file_id: 'id-a.jpg', object_key: 'k/a.jpg' },
      { state: 'registered', note: 'already', file_id: 'id-b.jpg' },
    ]);
    expect(statesOf(events, 'a.jpg')).toEqual(['registered:already']);
    expect(result.bytes_sent).toBe(0);
  });

  it('a second run of the same engine over the same files sends nothing', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'a', 'b.jpg': 'b' });
    const { engine: eng } = engine({ concurrency: 2 });
    await eng.run(files);
    const calls = api.log.length;
    const again = await eng.run(files);
    expect(api.log).toHaveLength(calls);
    expect(again.outcomes.map((o) => o.note)).toEqual(['already', 'already']);
  });

  it('a file changed on disk since it was registered is uploaded as a new version', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'old' });
    shoot.manifest.set('a.jpg', {
      bytes: files[0].bytes,
      mtime_ms: files[0].mtimeMs,
      checksum: sha256('old'),
      state: 'registered',
      room_type: 'unsorted',
      stack_id: 'g001',
      file_id: 'id-old',
      attempts: 1,
      updated_at: '',
    });
    await fsp.writeFile(files[0].absPath, 'new content');
    const replanned = await plan(shoot, 'a.jpg');
    const { engine: eng } = engine();
    const result = await eng.run([replanned]);
    expect(result.outcomes[0]).toMatchObject({ state: 'registered' });
    expect(result.outcomes[0].file_id).not.toBe('id-old');
    expect(api.intents[0].checksum).toBe(sha256('new content'));
  });

  it('a pending file with a known checksum (same size and mtime) is not hashed again', async () => {
    const { shoot, files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'abc' });
    shoot.manifest.set('a.jpg', {
      bytes: files[0].bytes,
      mtime_ms: files[0].mtimeMs,
      checksum: sha256('abc'),
      state: 'failed',
      room_type: 'unsorted',
      stack_id: 'g001',
      attempts: 2,
      last_error: { code: 'NETWORK', message: 'x' },
      updated_at: '',
    });
    const hashFile = vi.fn(sha256File);
    const { engine: eng } = engine({}, hashFile);
    const result = await eng.run(files);
    expect(result.outcomes[0].state).toBe('registered');
    expect(hashFile).not.toHaveBeenCalled();
    expect(shoot.manifest.get('a.jpg')).toMatchObject({ attempts: 3, state: 'registered' });
    expect(shoot.manifest.get('a.jpg')!.last_error).toBeUndefined();
  });
});

describe('UploadEngine: preparing before the run (issue 15, far link)', () => {
  it('prepareEarly hashes the files and sends nothing; the run then uses those preparations (each file hashed once)', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'photo a', 'b.jpg': 'photo b', 'c.jpg': 'photo c' });
    const hashed: string[] = [];
    const hashFile: HashFile = (p, o) => {
      hashed.push(path.basename(p));
      return sha256File(p, o);
    };
    const { engine: eng } = engine({ concurrency: 2 }, hashFile);
    eng.prepareEarly(files);
    eng.prepareEarly(files); // twice: still once
    await vi.waitFor(() => expect(hashed.sort()).toEqual(['a.jpg', 'b.jpg', 'c.jpg']));
    expect(api.log).toEqual([]);
    expect(files[0].shoot.manifest.get('a.jpg')).toMatchObject({ checksum: sha256('photo a') });
    const result = await eng.run(files);
    expect(result.outcomes.map((o) => o.state)).toEqual(['registered', 'registered', 'registered']);
    expect(hashed).toHaveLength(3);
    expect(api.intents.map((i) => i.checksum)).toEqual(['photo a', 'photo b', 'photo c'].map((x) => sha256(x)));
  });

  it('abandonEarly (the run will not start, e.g. exit 5) stops the preparations; nothing is sent', async () => {
    const { files } = await sandbox.shoot('ORD-1', Object.fromEntries(Array.from({ length: 20 }, (_, n) => [`f${n}.jpg`, `photo ${n}`])));
    const hashed: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hashFile: HashFile = async (p, o) => {
      hashed.push(path.basename(p));
      await gate;
      return sha256File(p, o);
    };
    const { engine: eng } = engine({ concurrency: 1, hashConcurrency: 2 }, hashFile);
    eng.prepareEarly(files);
    await vi.waitFor(() => expect(hashed).toHaveLength(2));
    eng.abandonEarly();
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(hashed).toHaveLength(2); // the hashers stopped at the next file
    expect(api.log).toEqual([]);
  });
});

describe('UploadEngine: stopping', () => {
  it('Ctrl-C (the signal) stops starting files: interrupted, the rest stays waiting', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'a', 'b.jpg': 'b', 'c.jpg': 'c' });
    const ctrl = new AbortController();
    api.onFinalize = () => {
      ctrl.abort();
      return undefined;
    };
    const { engine: eng } = engine({ signal: ctrl.signal });
    const result = await eng.run(files);
    expect(result.interrupted).toBe(true);
    expect(result.outcomes[0].state).toBe('registered');
    expect(result.outcomes.slice(1).map((o) => o.state)).toEqual(['waiting', 'waiting']);
    expect(api.intents).toHaveLength(1);
  });

  it('a failure the engine cannot judge (non-API error) fails that file only', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'a', 'b.jpg': 'b' });
    api.onPut = (url) => {
      if (url.includes('/a.jpg')) throw new Error('boom');
      return undefined;
    };
    const { engine: eng } = engine();
    const result = await eng.run(files);
    expect(result.outcomes.map((o) => [o.state, o.failure?.code])).toEqual([
      ['failed', 'INTERNAL'],
      ['registered', undefined],
    ]);
  });
});

describe('UploadEngine: batch intents', () => {
  it('uses the batch route when the API has one; every file is registered once', async () => {
    const contents = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}.jpg`, `c${i}`]));
    const { files } = await sandbox.shoot('ORD-1', contents);
    const batches: string[][] = [];
    api.intentBatch = async (orderId, list) => {
      batches.push(list.map((f) => f.filename));
      return list.map((f) => api.single({ ...f, order_id: orderId }));
    };
    // uploads take longer than hashes, as on a real link: the hashers get ahead and batches fill up
    let hashed = 0;
    let allHashed!: () => void;
    const everyFileHashed = new Promise<void>((r) => (allHashed = r));
    const hashFile: HashFile = async (p, o) => {
      const sum = await sha256File(p, o);
      if (++hashed === 10) setImmediate(allHashed);
      return sum;
    };
    api.onPut = async () => {
      await everyFileHashed;
      clock.t += 1000; // one upload a second
      return undefined;
    };
    const { engine: eng } = engine({ concurrency: 1 }, hashFile);
    const result = await eng.run(files);
    expect(result.outcomes.every((o) => o.state === 'registered')).toBe(true);
    expect(api.intents).toHaveLength(0);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(batches.length).toBeLessThanOrEqual(4);
    expect(batches.flat().sort()).toEqual(Object.keys(contents).sort()); // each file asked for once
    expect(api.finalizes).toHaveLength(10);
  });
});

describe('UploadEngine: files in flight and transfers (issue 5: keep the link busy)', () => {
  it('never more PUTs at once than concurrency, while a finalize overlaps the next PUT', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'a', 'b.jpg': 'b', 'c.jpg': 'c', 'd.jpg': 'd' });
    let putsNow = 0;
    let maxPuts = 0;
    let finalizing = 0;
    let overlapped = false;
    const tick = () => new Promise((r) => setTimeout(r, 5));
    api.onPut = async () => {
      putsNow++;
      maxPuts = Math.max(maxPuts, putsNow);
      if (finalizing > 0) overlapped = true;
      await tick();
      putsNow--;
      return undefined;
    };
    api.onFinalize = async () => {
      finalizing++;
      await tick();
      await tick();
      finalizing--;
      return undefined;
    };
    const { engine: eng } = engine({ filesInFlight: 2 });
    const result = await eng.run(files);
    expect(result.outcomes.every((o) => o.state === 'registered')).toBe(true);
    expect(maxPuts).toBe(1);
    expect(overlapped).toBe(true);
  });
});
