/**
 * src/cli/server-check.ts — the closing listing check polls on the injected clock with TransferConfig's
 * `listingPollMs` / `listingDeadlineMs` (SPEC: a finalized file is listed within 10 s), not on Date.now.
 */
import { describe, expect, it } from 'vitest';
import { verifyOnServer } from '../../src/cli/server-check.js';
import type { FileOutcome, PlannedFile } from '../../src/core/transfer/events.js';
import { DEFAULT_TRANSFER } from '../../src/core/transfer/transfer-config.js';
import { InstantClock } from './_fake-clock.js';

const file = (rel: string): PlannedFile => ({ relPath: rel, shoot: { orderId: 'ORD-1' } }) as unknown as PlannedFile;
const registered = (rel: string, id: string): FileOutcome => ({ file: file(rel), state: 'registered', file_id: id, duration_ms: 0 });

function api(listedFrom: Record<string, number>) {
  let looks = 0;
  return {
    looks: () => looks,
    listFiles: async () => {
      looks++;
      return { files: Object.entries(listedFrom).filter(([, n]) => looks >= n).map(([file_id]) => ({ file_id })) };
    },
    me: async () => ({ malware_scan: false }),
  };
}

describe('verifyOnServer: the listing poll', () => {
  it('looks again every listingPollMs on the clock until the files are listed', async () => {
    const clock = new InstantClock();
    const a = api({ f1: 1, f2: 3 });
    const check = await verifyOnServer(a as never, [registered('a.jpg', 'f1'), registered('b.jpg', 'f2')], { clock });
    expect(check).toMatchObject({ checked: true, missing: [] });
    expect(a.looks()).toBe(3);
    expect(clock.sleeps).toEqual([DEFAULT_TRANSFER.listingPollMs, DEFAULT_TRANSFER.listingPollMs]);
  });

  it('names a file still missing at the deadline (clock time), without waiting on the wall clock', async () => {
    const clock = new InstantClock();
    const a = api({ f1: 1 });
    const check = await verifyOnServer(a as never, [registered('a.jpg', 'f1'), registered('gone.jpg', 'f9')], { clock, config: { listingDeadlineMs: 2000, listingPollMs: 500 } });
    expect(check.missing.map((f) => f.relPath)).toEqual(['gone.jpg']);
    expect(clock.sleeps).toEqual([500, 500, 500, 500]);
  });
});
