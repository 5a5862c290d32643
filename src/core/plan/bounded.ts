/**
 * Bounded parallel work over a list, for planning large shoots (issue 15: "memory flat in the number of
 * files"). A fixed number of workers take the next index in turn, so at most `width` calls are in flight and
 * no promise or closure exists per waiting item (`Promise.all(items.map(limit(…)))` creates both for every
 * item up front: 20,000 files → 20,000 pending closures, and every started stat/EXIF parse's garbage at once).
 */

/**
 * Calls `work(item, index)` for every item, at most `width` (≥ 1) at a time, and returns the results in the
 * items' order. Rejects with the first error thrown; the workers then take no further items (calls already
 * running finish on their own).
 */
export async function mapBounded<T, R>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Math.max(1, Math.min(width, items.length)); w++) workers.push(worker());
  await Promise.all(workers);
  return results;
}
