/**
 * Bounded concurrency for the many small calls a listing makes (a stat or a first-bytes read per
 * file): enough in flight to hide each call's latency, never one call per file at once.
 */

/**
 * `fn` of each item, at most `limit` running at a time, yielded in the items' order. A failure is
 * thrown when its turn comes; the calls already started then run to their end unobserved.
 */
export async function* mapOrdered<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  let next = 0;
  const start = () => {
    const call = fn(items[next++]);
    // Awaited in turn below; until then a rejection must not count as unhandled.
    call.catch(() => undefined);
    inFlight.push(call);
  };
  while (next < items.length && inFlight.length < limit) start();
  while (inFlight.length > 0) {
    const result = await inFlight.shift()!;
    if (next < items.length) start();
    yield result;
  }
}

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
