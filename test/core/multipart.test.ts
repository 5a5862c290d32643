/**
 * src/core/transfer/multipart.ts — parts of `part_size`, ETags in the manifest as each part finishes, resume
 * without sending finished parts again, part URL 403/410 → fresh URL via multipartParts, a permanent error
 * aborts the upload and clears the manifest record (a transient one keeps it for the re-run).
 * Also the engine's side: a killed run resumes inside its multipart upload.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import type { MultipartIntentResponse } from '../../src/contract/api.js';
import { UploadEngine } from '../../src/core/transfer/engine.js';
import type { EngineEvent, PlannedFile } from '../../src/core/transfer/events.js';
import { FileProblem } from '../../src/core/transfer/failures.js';
import { sha256File } from '../../src/core/transfer/hash.js';
import type { ManifestEntry } from '../../src/core/transfer/manifest.js';
import { partCount, partRange, PARTS_IN_FLIGHT, uploadMultipart, type MultipartContext } from '../../src/core/transfer/multipart.js';
import { InstantClock } from './_fake-clock.js';
import { bytesOf, httpError, Sandbox, sha256, statesOf, StubApi } from './_engine-fixture.js';

const CONTENT = `${'abcdefghij'.repeat(3)}KLMNO`; // 35 bytes: parts of 10 → 4 parts, the last 5 bytes
const KEY = 'user/u1/orders/ORD-1/raw/video-v1.mp4';

let sandbox: Sandbox;
let clock: InstantClock;
let api: StubApi;
let f: PlannedFile;
let events: EngineEvent[];
let ctrl: AbortController;

beforeEach(async () => {
  sandbox = await Sandbox.create();
  clock = new InstantClock();
  api = new StubApi(clock);
  const { files } = await sandbox.shoot('ORD-1', { 'video.mp4': CONTENT }, { mime: 'video/mp4' });
  f = files[0];
  f.shoot.manifest.set(f.relPath, pending());
  events = [];
  ctrl = new AbortController();
});
afterEach(async () => {
  await sandbox.cleanup();
});

function pending(over: Partial<ManifestEntry> = {}): ManifestEntry {
  return { bytes: f.bytes, mtime_ms: f.mtimeMs, checksum: sha256(CONTENT), state: 'pending', room_type: 'unsorted', stack_id: 'g001', attempts: 0, updated_at: '', ...over };
}

function ctx(): MultipartContext {
  return {
    api,
    emit: (e) => events.push(e),
    retryCtx: { policy: { attempts: 3, baseMs: 10, capMs: 100, rateLimitWaits: 3 }, clock, signal: ctrl.signal },
    signal: ctrl.signal,
  };
}

function intent(parts = [1, 2, 3, 4], uploadId = 'up-1'): MultipartIntentResponse {
  return {
    object_key: KEY,
    multipart: { upload_id: uploadId, part_size: 10, parts: parts.map((n) => ({ part_number: n, url: `https://store.test/${uploadId}/part${n}?r=0` })) },
    expires_at: new Date(clock.now() + 300_000).toISOString(),
  };
}

const partOf = (url: string): number => Number(/part(\d+)/.exec(url)![1]);

describe('partRange / partCount', () => {
  it('cuts a file into equal parts but the last', () => {
    expect(partCount(35, 10)).toBe(4);
    expect(partCount(40, 10)).toBe(4);
    expect(partCount(1, 10)).toBe(1);
    expect(partCount(0, 10)).toBe(1);
    expect([1, 2, 3, 4].map((n) => partRange(n, 35, 10))).toEqual([
      { start: 0, length: 10 },
      { start: 10, length: 10 },
      { start: 20, length: 10 },
      { start: 30, length: 5 },
    ]);
    const big = 262_144_000;
    const size = 8 * 1024 * 1024;
    const n = partCount(big, size);
    const total = Array.from({ length: n }, (_, i) => partRange(i + 1, big, size).length).reduce((s, x) => s + x, 0);
    expect(total).toBe(big);
  });
});

describe('uploadMultipart', () => {
  it('sends every part with its byte range, saves each ETag, completes with the parts in order', async () => {
    await uploadMultipart(ctx(), f, intent());
    expect(api.puts.map((p) => [partOf(p.url), p.src.start, p.src.length])).toEqual([
      [1, 0, 10],
      [2, 10, 10],
      [3, 20, 10],
      [4, 30, 5],
    ]);
    expect(api.puts.every((p) => p.src.path === f.absPath)).toBe(true);
    expect(api.partsRequests).toEqual([]); // the intent's URLs were enough
    expect(api.completes).toHaveLength(1);
    expect(api.completes[0].object_key).toBe(KEY);
    expect(api.completes[0].upload_id).toBe('up-1');
    expect(api.completes[0].parts.map((p) => p.part_number)).toEqual([1, 2, 3, 4]);
    const etagByPart = Object.fromEntries(api.puts.map((p, i) => [partOf(p.url), `"etag-${i + 1}"`]));
    expect(api.completes[0].parts).toEqual([1, 2, 3, 4].map((n) => ({ part_number: n, etag: etagByPart[n] })));
    expect(f.shoot.manifest.get(f.relPath)!.multipart).toEqual({ upload_id: 'up-1', object_key: KEY, part_size: 10, etags: etagByPart });
    expect(bytesOf(events, f)).toBe(35);
    expect(api.aborts).toEqual([]);
  });

  it(`keeps at most ${PARTS_IN_FLIGHT} parts in flight`, async () => {
    const big = await sandbox.shoot('ORD-1', { 'big.mp4': Buffer.alloc(95, 1) });
    const g = big.files[0];
    g.shoot.manifest.set(g.relPath, { ...pending(), bytes: 95, mtime_ms: g.mtimeMs });
    let inFlight = 0;
    let most = 0;
    api.onPut = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return undefined;
    };
    await uploadMultipart(ctx(), g, intent(Array.from({ length: 10 }, (_, i) => i + 1)));
    expect(api.puts).toHaveLength(10);
    expect(most).toBe(PARTS_IN_FLIGHT);
  });

  it('resume: finished parts (ETags in the manifest) are not sent again; fresh URLs only for the missing ones', async () => {
    f.shoot.manifest.set(f.relPath, pending({ multipart: { upload_id: 'up-1', object_key: KEY, part_size: 10, etags: { 1: '"e1"', 2: '"e2"' } } }));
    await uploadMultipart(ctx(), f, intent([])); // the engine's resume intent carries no URLs
    expect(api.partsRequests).toEqual([{ object_key: KEY, upload_id: 'up-1', part_numbers: [3, 4] }]);
    expect(api.puts.map((p) => partOf(p.url)).sort()).toEqual([3, 4]);
    expect(api.puts.every((p) => p.url.endsWith('?r=1'))).toBe(true); // the fresh URLs
    expect(api.completes[0].parts).toEqual([
      { part_number: 1, etag: '"e1"' },
      { part_number: 2, etag: '"e2"' },
      { part_number: 3, etag: expect.any(String) },
      { part_number: 4, etag: expect.any(String) },
    ]);
    // finished parts count for progress without being sent
    expect(events.filter((e) => e.type === 'bytes').map((e) => (e as { delta: number }).delta)[0]).toBe(20);
    expect(bytesOf(events, f)).toBe(35);
  });

  it('a saved record of another upload id is not trusted: every part is sent', async () => {
    f.shoot.manifest.set(f.relPath, pending({ multipart: { upload_id: 'old', object_key: KEY, part_size: 10, etags: { 1: '"e1"' } } }));
    await uploadMultipart(ctx(), f, intent([1, 2, 3, 4], 'up-2'));
    expect(api.puts).toHaveLength(4);
    expect(api.completes[0].upload_id).toBe('up-2');
    expect(api.completes[0].parts.map((p) => p.etag)).not.toContain('"e1"');
  });

  it('every finished part is in the manifest at once, so an interrupted upload can resume', async () => {
    api.onPut = async (url, src, opts) => {
      if (partOf(url) === 3) {
        ctrl.abort(); // Ctrl-C while part 3 is on the wire
        throw new ApiError({ kind: 'aborted', code: 'ABORTED', message: 'interrupted', operation: 'PUT signed URL' });
      }
      opts.onBytes?.(src.length);
      return undefined;
    };
    await expect(uploadMultipart(ctx(), f, intent())).rejects.toMatchObject({ kind: 'aborted' });
    const saved = f.shoot.manifest.get(f.relPath)!.multipart!;
    expect(saved.upload_id).toBe('up-1');
    expect(Object.keys(saved.etags).sort()).toEqual(['1', '2']);
    expect(api.aborts).toEqual([]); // an interruption is not the end of the upload
    expect(api.completes).toEqual([]);
    await f.shoot.manifest.flush();
  });

  it.each([410, 403])('part URL %i → a fresh URL for that part via multipartParts, then success', async (status) => {
    let refused = false;
    api.onPut = (url) => {
      if (partOf(url) === 2 && !refused) {
        refused = true;
        throw httpError(status, status === 410 ? 'URL_EXPIRED' : 'BAD_SIGNATURE');
      }
      return undefined;
    };
    await uploadMultipart(ctx(), f, intent());
    expect(api.partsRequests).toEqual([{ object_key: KEY, upload_id: 'up-1', part_numbers: [2] }]);
    const part2 = api.puts.filter((p) => partOf(p.url) === 2).map((p) => p.url);
    expect(part2).toEqual(['https://store.test/up-1/part2?r=0', 'https://store.test/up-1/part2?r=1']);
    expect(api.completes).toHaveLength(1);
    expect(api.aborts).toEqual([]);
    expect(bytesOf(events, f)).toBe(35);
  });

  it('a part URL refused three times: gives up after 2 renewals, aborts the upload and clears the record', async () => {
    api.onPut = (url) => {
      if (partOf(url) === 2) throw httpError(410, 'URL_EXPIRED');
      return undefined;
    };
    await expect(uploadMultipart(ctx(), f, intent())).rejects.toMatchObject({ status: 410 });
    expect(api.puts.filter((p) => partOf(p.url) === 2)).toHaveLength(3);
    expect(api.partsRequests.map((r) => r.part_numbers)).toEqual([[2], [2]]);
    expect(api.aborts).toEqual([{ object_key: KEY, upload_id: 'up-1' }]);
    expect(f.shoot.manifest.get(f.relPath)!.multipart).toBeUndefined();
  });

  it.each([
    ['413 on a part', () => httpError(413, 'FILE_TOO_LARGE')],
    ['422 on a part', () => httpError(422, 'CHECKSUM_MISMATCH')],
    ['the file gone while sending', () => new FileProblem({ code: 'FILE_VANISHED', detail: 'gone' })],
  ])('a permanent error (%s) aborts the upload on the server and clears the manifest record', async (_name, make) => {
    const err = make();
    api.onPut = async (url) => {
      if (partOf(url) === 3) {
        await new Promise((r) => setTimeout(r, 10)); // the other parts are done by then (see the fixed bug below)
        throw err;
      }
      return undefined;
    };
    await expect(uploadMultipart(ctx(), f, intent())).rejects.toBe(err);
    expect(api.aborts).toEqual([{ object_key: KEY, upload_id: 'up-1' }]);
    expect(f.shoot.manifest.get(f.relPath)!.multipart).toBeUndefined();
    expect(api.completes).toEqual([]);
  });

  // Fixed bug (src/core/transfer/multipart.ts, uploadMultipart() lines 67-93): on a permanent error of one part the other
  // parts are neither stopped nor awaited. Promise.all rejects at the first failure, the catch sends
  // multipartAbort and clears the manifest record at once, while p-limit goes on starting the queued parts
  // and the parts in flight finish later: each then writes `multipart: {upload_id, etags…}` back into the
  // manifest (so the next run "resumes" the aborted upload: a wasted multipart/parts round trip → 404 →
  // fresh intent), PUTs go to an upload that was just aborted, and their `bytes` events arrive after the
  // file's `failed` event (ProgressTracker then lists the failed file as active again).
  // Reproduction: 4 parts of 10 bytes, part 3 answers 413 after 1 ms, parts 1, 2, 4 take 20 ms: log is
  // put 1, put 2, put 3, put 4 (started after 3 failed), abort, done 1, done 2, done 4; record re-created.
  it('after a permanent error no part is sent any more and the cleared record stays cleared', async () => {
    const log: string[] = [];
    api.onPut = async (url) => {
      const n = partOf(url);
      log.push(`start ${n}`);
      if (n === 3) {
        await new Promise((r) => setTimeout(r, 1));
        throw httpError(413, 'FILE_TOO_LARGE');
      }
      await new Promise((r) => setTimeout(r, 20));
      log.push(`done ${n}`);
      return undefined;
    };
    api.multipartAbort = async (body) => {
      api.aborts.push(body);
      log.push('abort');
      return undefined;
    };
    await expect(uploadMultipart(ctx(), f, intent())).rejects.toMatchObject({ status: 413 });
    const bytesAtFailure = bytesOf(events, f);
    await new Promise((r) => setTimeout(r, 50)); // let whatever is still running finish
    expect(f.shoot.manifest.get(f.relPath)!.multipart).toBeUndefined(); // was re-created with parts 1, 2, 4 before the fix
    expect(log).not.toContain('start 4'); // part 4 is not started after part 3 failed
    expect(log.indexOf('abort')).toBeGreaterThan(Math.max(log.indexOf('done 1'), log.indexOf('done 2'))); // abort after the parts in flight settled
    expect(bytesOf(events, f)).toBe(bytesAtFailure); // no progress after the failure
  });

  it('a permanent error on complete aborts too', async () => {
    api.onComplete = () => {
      throw httpError(400, 'VALIDATION_FAILED');
    };
    await expect(uploadMultipart(ctx(), f, intent())).rejects.toMatchObject({ status: 400 });
    expect(api.aborts).toHaveLength(1);
    expect(f.shoot.manifest.get(f.relPath)!.multipart).toBeUndefined();
  });

  it('a part answered without an ETag is a bad response: aborted', async () => {
    api.onPut = (url) => (partOf(url) === 1 ? { etag: '' } : undefined);
    await expect(uploadMultipart(ctx(), f, intent())).rejects.toMatchObject({ failure: { code: 'BAD_RESPONSE' } });
    expect(api.aborts).toHaveLength(1);
  });

  it.each([
    ['5xx after all retries', () => httpError(503, 'HTTP_503')],
    ['a network error after all retries', () => new ApiError({ kind: 'network', code: 'ECONNRESET', message: 'cut', operation: 'PUT' })],
    ['401', () => httpError(401, 'UNAUTHENTICATED')],
  ])('a non-permanent error (%s) keeps the upload and its finished parts for the re-run', async (_name, make) => {
    api.onPut = (url) => {
      if (partOf(url) === 4) throw make();
      return undefined;
    };
    await expect(uploadMultipart(ctx(), f, intent())).rejects.toBeInstanceOf(ApiError);
    expect(api.aborts).toEqual([]);
    const saved = f.shoot.manifest.get(f.relPath)!.multipart!;
    expect(Object.keys(saved.etags).sort()).toEqual(['1', '2', '3']);
  });

  it('a transient part failure is retried in place, and the bytes of the failed try are taken back', async () => {
    let failed = false;
    api.onPut = (url, src, opts) => {
      if (partOf(url) === 2 && !failed) {
        failed = true;
        opts.onBytes?.(src.length - 3);
        throw httpError(502, 'HTTP_502');
      }
      return undefined;
    };
    await uploadMultipart(ctx(), f, intent());
    expect(api.puts.filter((p) => partOf(p.url) === 2)).toHaveLength(2);
    expect(api.partsRequests).toEqual([]);
    expect(bytesOf(events, f)).toBe(35);
  });

  it('a part size of 0 is refused as a bad response before anything is sent', async () => {
    const bad = intent();
    bad.multipart.part_size = 0;
    await expect(uploadMultipart(ctx(), f, bad)).rejects.toMatchObject({ failure: { code: 'BAD_RESPONSE' } });
    expect(api.puts).toEqual([]);
  });
});

describe('UploadEngine with multipart uploads', () => {
  function run(files: PlannedFile[]) {
    const out: EngineEvent[] = [];
    const engine = new UploadEngine(
      { api, hashFile: sha256File, clock },
      { concurrency: 1, intentRate: 0, retry: { attempts: 3, baseMs: 10, capMs: 100, rateLimitWaits: 3 } },
    );
    engine.on((e) => out.push(e));
    return engine.run(files).then((result) => ({ result, events: out }));
  }

  it('a multipart intent: parts, complete, finalize, registered; the record is cleared', async () => {
    api.onIntent = () => intent();
    const { result, events: evs } = await run([f]);
    expect(result.outcomes[0].state).toBe('registered');
    expect(api.log.filter((l) => !l.startsWith('put'))).toEqual(['intent video.mp4', 'complete', `finalize ${KEY}`]);
    expect(api.puts).toHaveLength(4);
    expect(statesOf(evs, f)).toEqual(['waiting', 'uploading', 'uploaded', 'registered']);
    expect(f.shoot.manifest.get(f.relPath)).toMatchObject({ state: 'registered', file_id: `file:${KEY}` });
    expect(f.shoot.manifest.get(f.relPath)!.multipart).toBeUndefined();
  });

  it('a killed run resumes inside its multipart upload: no new intent, only the missing parts', async () => {
    f.shoot.manifest.set(f.relPath, pending({ multipart: { upload_id: 'up-1', object_key: KEY, part_size: 10, etags: { 1: '"e1"', 3: '"e3"' } } }));
    const { result } = await run([f]);
    expect(result.outcomes[0].state).toBe('registered');
    expect(api.intents).toEqual([]);
    expect(api.partsRequests.map((r) => r.part_numbers)).toEqual([[2, 4]]);
    expect(api.puts.map((p) => partOf(p.url)).sort()).toEqual([2, 4]);
    expect(api.completes[0].parts.map((p) => p.etag).filter((e) => e === '"e1"' || e === '"e3"')).toHaveLength(2);
    expect(api.finalizes[0]).toMatchObject({ object_key: KEY, bytes: 35, checksum: sha256(CONTENT) });
  });

  // Fixed bug (src/core/transfer/multipart.ts line 55 with engine.ts emit() line 95): on resume, the finished parts are
  // reported as a positive `bytes` event (so that progress starts at the right place), and the engine adds
  // every positive delta to RunResult.bytes_sent, documented as "Bytes that left for the network" — so a
  // resumed run claims it sent the parts it skipped (here 35 instead of 15; with a 250 MB video resumed at
  // its last part, ~250 MB instead of ~8 MB), and the summary's "sent" figure and rate are inflated.
  it('bytes_sent of a resumed run counts only the parts sent in this run', async () => {
    f.shoot.manifest.set(f.relPath, pending({ multipart: { upload_id: 'up-1', object_key: KEY, part_size: 10, etags: { 1: '"e1"', 3: '"e3"' } } }));
    const { result } = await run([f]);
    expect(result.outcomes[0].state).toBe('registered');
    expect(result.bytes_sent).toBe(15); // parts 2 and 4 (was 35 before the fix)
  });

  it('a saved multipart upload the server no longer knows (parts → 404) is started afresh with a new intent', async () => {
    f.shoot.manifest.set(f.relPath, pending({ multipart: { upload_id: 'gone', object_key: KEY, part_size: 10, etags: { 1: '"e1"' } } }));
    api.onParts = (body) => {
      if (body.upload_id === 'gone') throw httpError(404, 'NOT_FOUND', 'POST /api/uploads/multipart/parts');
      return undefined;
    };
    api.onIntent = () => intent([1, 2, 3, 4], 'up-new');
    const { result } = await run([f]);
    expect(result.outcomes[0].state).toBe('registered');
    expect(api.intents).toHaveLength(1);
    expect(api.completes.map((c) => c.upload_id)).toEqual(['up-new']);
    expect(api.puts).toHaveLength(4);
  });
});
