/**
 * Issue 9 "Must be shown": a file's total attempts stay within the per-file cap (TransferConfig.fileAttempts)
 * whatever mix of failures it meets. Property-style: seeded random failure sequences on every call of a file
 * (intent, PUT, parts, complete, finalize: 5xx, cut connections, stalls, garbage, 429, 403/410, 409, 413/422)
 * through the real engine with a stub API and the fake clock. Every other budget is set far above the cap, so
 * the cap is what must stop the file. Bound: each failed call is either one charged recovery or the end of
 * its request, so failed calls ≤ cap + the requests of the file in flight at once (1, or PARTS_IN_FLIGHT).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import type { MultipartIntentResponse } from '../../src/contract/api.js';
import { UploadEngine } from '../../src/core/transfer/engine.js';
import { sha256File } from '../../src/core/transfer/hash.js';
import { PARTS_IN_FLIGHT } from '../../src/core/transfer/multipart.js';
import { DEFAULT_TRANSFER, type TransferConfig } from '../../src/core/transfer/transfer-config.js';
import { mulberry32 } from './_rng.js';
import { InstantClock } from './_fake-clock.js';
import { httpError, Sandbox, StubApi } from './_engine-fixture.js';

const CONTENT = `${'abcdefghij'.repeat(3)}KLMNO`; // 35 bytes: 4 parts of 10

const FAILURES: (() => unknown)[] = [
  () => httpError(503, 'HTTP_503'),
  () => httpError(500, 'INTERNAL'),
  () => new ApiError({ kind: 'network', code: 'ECONNRESET', message: 'cut', operation: 'x' }),
  () => new ApiError({ kind: 'stalled', code: 'STALLED', message: 'stalled', operation: 'x' }),
  () => new ApiError({ kind: 'protocol', status: 200, code: 'BAD_RESPONSE', message: 'html', operation: 'x' }),
  () => new ApiError({ kind: 'http', status: 429, code: 'RATE_LIMITED', message: 'slow', operation: 'x', retryAfterMs: 50 }),
  () => httpError(410, 'URL_EXPIRED'),
  () => httpError(403, 'FORBIDDEN'),
  () => httpError(409, 'OBJECT_MISSING'),
  () => httpError(422, 'CHECKSUM_MISMATCH'),
  () => httpError(413, 'FILE_TOO_LARGE'),
];

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await Sandbox.create();
});
afterEach(async () => {
  await sandbox.cleanup();
});

/** Runs one file through the engine with random failures; returns the failed calls and the outcome. */
async function trial(seed: number, transfer: Partial<TransferConfig>, failRate: number) {
  const rng = mulberry32(seed);
  const multipart = rng() < 0.4;
  const clock = new InstantClock();
  const api = new StubApi(clock);
  let failed = 0;
  const maybeFail = (): void => {
    if (rng() < failRate) {
      failed++;
      throw FAILURES[Math.floor(rng() * FAILURES.length)]();
    }
  };
  let uploads = 0;
  api.onIntent = (body) => {
    maybeFail();
    if (!multipart) return undefined;
    const id = `up-${++uploads}`;
    const intent: MultipartIntentResponse = {
      object_key: `user/u1/orders/${body.order_id}/raw/${body.filename}-${id}`,
      multipart: { upload_id: id, part_size: 10, parts: [1, 2, 3, 4].map((n) => ({ part_number: n, url: `https://store.test/${id}/part${n}` })) },
      expires_at: new Date(clock.now() + 300_000).toISOString(),
    };
    return intent;
  };
  api.onPut = () => (maybeFail(), undefined);
  api.onParts = () => (maybeFail(), undefined);
  api.onComplete = () => (maybeFail(), undefined);
  api.onFinalize = () => (maybeFail(), undefined);
  const { files } = await sandbox.shoot(`ORD-${seed}`, { 'video.mp4': CONTENT }, { mime: 'video/mp4' });
  const engine = new UploadEngine({ api, hashFile: sha256File, clock }, { concurrency: 1, intentRate: 0, transfer });
  const result = await engine.run(files);
  return { failed, state: result.outcomes[0].state, inFlight: multipart ? PARTS_IN_FLIGHT : 1 };
}

describe('the per-file attempt cap', () => {
  it('holds for 150 random failure sequences when every other budget is far larger', async () => {
    const cap = 6;
    const generous: Partial<TransferConfig> = { fileAttempts: cap, attempts: 100, rateLimitWaits: 100, urlRenewals: 100, reuploads: 100, rereads: 100, baseMs: 1, capMs: 5 };
    const ends = new Set<string>();
    for (let seed = 1; seed <= 150; seed++) {
      const t = await trial(seed, generous, 0.35 + (seed % 5) * 0.1);
      expect(t.failed, `seed ${seed}`).toBeLessThanOrEqual(cap + t.inFlight);
      expect(['registered', 'failed']).toContain(t.state);
      ends.add(t.state);
    }
    expect([...ends].sort()).toEqual(['failed', 'registered']); // the sequences reach both ends
  });

  it('holds with the default budgets too (cap 24), where budgets used to multiply (7 × 3 × 5)', async () => {
    for (let seed = 1000; seed < 1060; seed++) {
      const t = await trial(seed, {}, 0.85);
      expect(t.failed, `seed ${seed}`).toBeLessThanOrEqual(DEFAULT_TRANSFER.fileAttempts + t.inFlight);
    }
  });
});
