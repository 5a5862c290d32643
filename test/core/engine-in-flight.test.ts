/**
 * Transfers stay ≤ `concurrency` while `filesInFlight` files are between intent and finalize, so one file's
 * finalize overlaps the next file's PUT (issue 5: keep the link busy).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UploadEngine } from '../../src/core/engine.js';
import { sha256File } from '../../src/core/hash.js';
import { InstantClock } from './_fake-clock.js';
import { Sandbox, StubApi } from './_engine-fixture.js';

let sandbox: Sandbox;
let api: StubApi;
let clock: InstantClock;

beforeEach(async () => {
  sandbox = await Sandbox.create();
  clock = new InstantClock();
  api = new StubApi(clock);
});
afterEach(async () => {
  await sandbox.cleanup();
});

describe('files in flight and transfers', () => {
  it('never more PUTs at once than concurrency, while a finalize overlaps the next PUT', async () => {
    const { files } = await sandbox.shoot('ORD-1', { 'a.jpg': 'a', 'b.jpg': 'b', 'c.jpg': 'c', 'd.jpg': 'd' });
    let putsNow = 0;
    let maxPuts = 0;
    let overlapped = false;
    let finalizing = 0;
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
    const e = new UploadEngine({ api, hashFile: sha256File, clock }, { concurrency: 1, filesInFlight: 2, intentRate: 0 });
    const result = await e.run(files);
    expect(result.outcomes.every((o) => o.state === 'registered')).toBe(true);
    expect(maxPuts).toBe(1);
    expect(overlapped).toBe(true);
  });
});
