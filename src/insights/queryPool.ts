/**
 * Runs a list of independent queries at most `concurrency` at a time, in the order given (put the
 * longest first), and returns each one's result by name. The first failure stops the rest from
 * starting and is what the call rejects with; queries already running are awaited first, so none
 * is left running unobserved.
 */
export async function runConcurrently<N extends string, T>(names: readonly N[], concurrency: number, run: (name: N) => Promise<T>): Promise<Record<N, T>> {
  const results = {} as Record<N, T>;
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < names.length) {
      const name = names[next++];
      try {
        results[name] = await run(name);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, names.length)) }, lane));
  if (failure !== undefined) throw failure.error;
  return results;
}
