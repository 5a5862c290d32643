/**
 * `inParallel(items, limit, fn)`: fn over every item with at most `limit` calls in flight; the results
 * (or the thrown values, as rejected entries of PromiseSettledResult) in the items' order. Used where a
 * batch request asks storage once per file (issue 15: "storage checks in parallel within a batch"); the
 * limit keeps a batch of 50 within the Workers runtime's simultaneous-subrequest budget.
 */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i], i) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
