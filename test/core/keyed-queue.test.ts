/** src/core/transfer/keyed-queue.ts — tasks with the same key run one after the other; other keys run freely. */
import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../src/core/transfer/keyed-queue.js';

const tick = (ms = 2): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('KeyedQueue', () => {
  it('runs tasks of one key in call order, never two at once', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    let running = 0;
    const task = (name: string, ms: number) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([q.run('k', task('a', 10)), q.run('k', task('b', 1)), q.run('k', task('c', 5))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs different keys at the same time', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const slow = q.run('x', async () => {
      log.push('x start');
      await tick(15);
      log.push('x end');
    });
    const fast = q.run('y', async () => {
      log.push('y start');
      log.push('y end');
    });
    await Promise.all([slow, fast]);
    expect(log.indexOf('y end')).toBeLessThan(log.indexOf('x end'));
  });

  it('a rejected task rejects its caller only; the next task of the key still runs', async () => {
    const q = new KeyedQueue();
    const first = q.run('k', async () => {
      throw new Error('boom');
    });
    const second = q.run('k', async () => 'ok');
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBe('ok');
    // and the key is free again afterwards
    await expect(q.run('k', async () => 'again')).resolves.toBe('again');
  });

  it('forgets a key once its queue is empty (no growth over a long watch session)', async () => {
    const q = new KeyedQueue();
    for (let i = 0; i < 100; i++) await q.run(`key-${i}`, async () => i);
    expect((q as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
  });
});
