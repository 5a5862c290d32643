/**
 * run-flow.ts accountOnce: the run's one GET /api/me — asked once however often it is read; a failed
 * answer is not kept (the next read asks again) and is never an unhandled rejection.
 */
import { describe, expect, it } from 'vitest';
import { accountOnce } from '../../src/cli/run-start.js';
import type { MeResponse } from '../../src/contract/api.js';

const ME = { user_id: 'alice', name: 'Alice' } as MeResponse;

describe('accountOnce', () => {
  it('one request for every read', async () => {
    let asked = 0;
    const me = accountOnce({ me: async () => (asked++, ME) });
    const [a, b] = await Promise.all([me(), me()]);
    expect(await me()).toBe(ME);
    expect([a, b]).toEqual([ME, ME]);
    expect(asked).toBe(1);
  });

  it('a failed answer is asked again on the next read', async () => {
    let asked = 0;
    const me = accountOnce({ me: async () => (++asked === 1 ? Promise.reject(new Error('offline')) : ME) });
    await expect(me()).rejects.toThrow('offline');
    await new Promise((r) => setImmediate(r));
    expect(await me()).toBe(ME);
    expect(asked).toBe(2);
  });

  it('askNow asks at once, and the reads after it share that request', async () => {
    let asked = 0;
    const me = accountOnce({ me: async () => (asked++, ME) }, true);
    expect(asked).toBe(1);
    expect(await me()).toBe(ME);
    expect(asked).toBe(1);
  });
});
