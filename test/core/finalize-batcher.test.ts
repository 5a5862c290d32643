/**
 * src/core/transfer/finalize-batcher.ts — finalizes collected into finalize-batch requests of at most 50,
 * each file getting its own answer or its own error; a file on its own is still sent (after the short
 * window); whole-batch failures reject every file of that batch; 404/405 → single finalizes from then on;
 * an API without finalizeBatch uses single finalizes directly. Issue 15: with closing hooks, a batch sent when
 * no file is still to ask for its confirmation asks for the closing check, and the last answer is kept.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import type { ClosingCheckEntry, FinalizeRequest, FinalizeResponse } from '../../src/contract/api.js';
import { FinalizeBatcher, type FinalizeSource } from '../../src/core/transfer/finalize-batcher.js';

const body = (n: number): FinalizeRequest => ({ object_key: `k${n}`, bytes: n, checksum: 'c'.repeat(64) });
const ok = (b: FinalizeRequest): FinalizeResponse => ({ file_id: `f_${b.object_key}`, status: 'uploaded' });
const httpErr = (status: number, code: string) => new ApiError({ kind: 'http', status, code, message: code, operation: 'test' });

type Items = (FinalizeResponse | ApiError)[] & { closing_check?: ClosingCheckEntry[] };

class Stub implements FinalizeSource {
  singles: FinalizeRequest[] = [];
  batches: FinalizeRequest[][] = [];
  /** The closing orders each batch asked for (undefined: none). */
  closings: (readonly string[] | undefined)[] = [];
  batchAnswer: (files: FinalizeRequest[]) => Promise<(FinalizeResponse | ApiError)[]> = async (files) => files.map(ok);
  finalize = async (b: FinalizeRequest): Promise<FinalizeResponse> => {
    this.singles.push(b);
    return ok(b);
  };
  finalizeBatch = async (files: FinalizeRequest[], _signal?: AbortSignal, closing?: readonly string[]): Promise<Items> => {
    this.batches.push(files);
    this.closings.push(closing);
    const items: Items = await this.batchAnswer(files);
    // the answer names the batch it came with, so a test can tell which one was kept
    if (closing) items.closing_check = closing.map((order_id) => ({ order_id, file_ids: files.map((f) => ok(f).file_id), next_cursor: null, stacks: [] }));
    return items;
  };
}

describe('FinalizeBatcher', () => {
  it('120 files finishing together → batches of 50, 50, 20; every file gets its own file_id', async () => {
    const api = new Stub();
    const b = new FinalizeBatcher(api, 20);
    const all = await Promise.all(Array.from({ length: 120 }, (_, n) => b.finalize(body(n))));
    expect(all.map((r) => r.file_id)).toEqual(Array.from({ length: 120 }, (_, n) => `f_k${n}`));
    expect(api.batches.map((x) => x.length)).toEqual([50, 50, 20]);
    expect(api.singles).toHaveLength(0);
    expect(b.sent).toEqual({ batch: 3, single: 0 });
  });

  it('a lone file is sent after the window without waiting for others', async () => {
    const api = new Stub();
    const b = new FinalizeBatcher(api, 10);
    expect((await b.finalize(body(7))).file_id).toBe('f_k7');
    expect(api.batches).toEqual([[body(7)]]);
  });

  it('per-item errors reject that file only', async () => {
    const api = new Stub();
    api.batchAnswer = async (files) => files.map((f, i) => (i === 1 ? httpErr(409, 'OBJECT_MISSING') : ok(f)));
    const b = new FinalizeBatcher(api, 10);
    const r = await Promise.allSettled([b.finalize(body(0)), b.finalize(body(1)), b.finalize(body(2))]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((r[1] as PromiseRejectedResult).reason as ApiError).code).toBe('OBJECT_MISSING');
  });

  it('a whole-batch failure rejects every file of it (their own retries send them again)', async () => {
    const api = new Stub();
    let first = true;
    api.batchAnswer = async (files) => {
      if (first) {
        first = false;
        throw new ApiError({ kind: 'network', code: 'ECONNRESET', message: 'cut', operation: 'test' });
      }
      return files.map(ok);
    };
    const b = new FinalizeBatcher(api, 10);
    const r = await Promise.allSettled([b.finalize(body(0)), b.finalize(body(1))]);
    expect(r.every((x) => x.status === 'rejected')).toBe(true);
    expect((await b.finalize(body(0))).file_id).toBe('f_k0');
  });

  it('404 or 405 from an older server → single finalizes for these and every later file', async () => {
    for (const status of [404, 405]) {
      const api = new Stub();
      api.batchAnswer = async () => {
        throw httpErr(status, 'NOT_FOUND');
      };
      const b = new FinalizeBatcher(api, 10);
      const r = await Promise.all([b.finalize(body(0)), b.finalize(body(1))]);
      expect(r.map((x) => x.file_id)).toEqual(['f_k0', 'f_k1']);
      await b.finalize(body(2));
      expect(api.batches).toHaveLength(1);
      expect(api.singles.map((x) => x.object_key)).toEqual(['k0', 'k1', 'k2']);
    }
  });

  it('an API without finalizeBatch finalizes singly at once', async () => {
    const singles: FinalizeRequest[] = [];
    const b = new FinalizeBatcher({ finalize: async (x) => (singles.push(x), ok(x)) }, 10_000);
    expect((await b.finalize(body(3))).file_id).toBe('f_k3');
    expect(singles).toHaveLength(1);
    expect(b.sent).toEqual({ batch: 0, single: 1 });
  });

  it('an aborted file leaves the queue; the others are still sent', async () => {
    const api = new Stub();
    const b = new FinalizeBatcher(api, 20);
    const ctrl = new AbortController();
    const gone = b.finalize(body(0), ctrl.signal);
    const kept = b.finalize(body(1));
    ctrl.abort();
    await expect(gone).rejects.toMatchObject({ kind: 'aborted' });
    expect((await kept).file_id).toBe('f_k1');
    expect(api.batches).toEqual([[body(1)]]);
  });

  it('issue 15: nothing else can join (every file in flight is here) → the batch goes at once, no window', async () => {
    const api = new Stub();
    let inFlight = 3;
    const b = new FinalizeBatcher(api, 60_000, () => inFlight);
    const first = [b.finalize(body(0)), b.finalize(body(1))];
    await new Promise((r) => setTimeout(r, 20));
    expect(api.batches).toHaveLength(0); // a third file is still on its way: wait (the window is long here)
    first.push(b.finalize(body(2))); // the last one: all three go now
    await Promise.all(first);
    expect(api.batches.map((x) => x.length)).toEqual([3]);
    inFlight = 1;
    await b.finalize(body(3)); // a lone file: at once
    expect(api.batches.map((x) => x.length)).toEqual([3, 1]);
  });

  it('issue 15: files finishing while a batch is on its way gather for the next one, sent when its answer is in', async () => {
    const api = new Stub();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    api.batchAnswer = async (files) => {
      if (calls++ === 0) await gate; // the first batch is slow to answer
      return files.map(ok);
    };
    const b = new FinalizeBatcher(api, 10, () => 100); // many more files to come
    const p = [b.finalize(body(0))];
    await new Promise((r) => setTimeout(r, 30)); // the window passes: batch 1 = [k0], now on its way
    for (let n = 1; n <= 6; n++) p.push(b.finalize(body(n)));
    await new Promise((r) => setTimeout(r, 60)); // six windows pass, but a batch is on its way: they gather
    expect(api.batches.map((x) => x.length)).toEqual([1]);
    release();
    await Promise.all(p);
    expect(api.batches.map((x) => x.length)).toEqual([1, 6]);
  });
});

describe('FinalizeBatcher: the closing check rides on the run\'s last batch (issue 15)', () => {
  it('asked only by a batch sent when no file is still to ask for its confirmation; the last such answer is kept', async () => {
    const api = new Stub();
    let toConfirm = 3;
    const b = new FinalizeBatcher(api, 5, () => 100, { filesToConfirm: () => toConfirm, orders: () => ['ORD-1', 'ORD-2'] });
    toConfirm = 2; // the engine counts a file out when it asks
    await b.finalize(body(0));
    expect(api.closings).toEqual([undefined]);
    expect(b.closing).toBeUndefined();
    toConfirm = 0; // the last two ask together
    await Promise.all([b.finalize(body(1)), b.finalize(body(2))]);
    expect(api.closings).toEqual([undefined, ['ORD-1', 'ORD-2']]);
    expect(b.closing?.map((e) => e.order_id)).toEqual(['ORD-1', 'ORD-2']);
    expect(b.closing?.[0]).toMatchObject({ file_ids: ['f_k1', 'f_k2'] });
    await b.finalize(body(3)); // a later confirmation (a retry): its answer is the one kept
    expect(b.closing?.[0]).toMatchObject({ file_ids: ['f_k3'] });
  });

  it('not asked without hooks, with no orders, or with more orders than a batch may name', async () => {
    for (const orders of [undefined, [], Array.from({ length: 11 }, (_, n) => `ORD-${n}`)]) {
      const api = new Stub();
      const b = new FinalizeBatcher(api, 5, () => 0, orders && { filesToConfirm: () => 0, orders: () => orders });
      await b.finalize(body(0));
      expect(api.closings).toEqual([undefined]);
      expect(b.closing).toBeUndefined();
    }
  });

  it('a server that sends no closing check: nothing is kept, every file still has its answer', async () => {
    const api = new Stub();
    const plain = api.finalizeBatch;
    api.finalizeBatch = async (files, signal, closing) => {
      const items = await plain(files, signal, closing);
      delete items.closing_check;
      return items;
    };
    const b = new FinalizeBatcher(api, 5, () => 0, { filesToConfirm: () => 0, orders: () => ['ORD-1'] });
    expect((await b.finalize(body(0))).file_id).toBe('f_k0');
    expect(api.closings).toEqual([['ORD-1']]);
    expect(b.closing).toBeUndefined();
  });
});
