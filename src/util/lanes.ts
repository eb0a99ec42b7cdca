/**
 * Runs `run` over `items` at most `lanes` at a time, in the order given (put the longest first),
 * and returns the results in the items' order. The first failure stops the rest from starting and
 * is what the call rejects with; calls already running are awaited first, so none is left running
 * unobserved.
 */
export async function runInLanes<T, R>(items: readonly T[], lanes: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await run(items[i]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, items.length)) }, lane));
  if (failure !== undefined) throw failure.error;
  return results;
}

/** runInLanes over names, each result under its name. */
export async function runConcurrently<N extends string, T>(names: readonly N[], concurrency: number, run: (name: N) => Promise<T>): Promise<Record<N, T>> {
  const results = await runInLanes(names, concurrency, run);
  return Object.fromEntries(names.map((name, i) => [name, results[i]])) as Record<N, T>;
}
