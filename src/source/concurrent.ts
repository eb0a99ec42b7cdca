/**
 * Bounded concurrency for the many small calls a listing makes (a stat or a first-bytes read per
 * file): enough in flight to hide each call's latency, never one call per file at once.
 */

/**
 * `fn` of each item, at most `limit` at a time; the results in the items' order. After a failure
 * no further call starts, and the first failure is thrown.
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
