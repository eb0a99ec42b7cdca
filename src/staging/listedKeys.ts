/**
 * The keys of a run's listed files of one kind. A song list can run to millions of keys (about
 * 61 MiB a million as strings), so staging takes them as a stream in key order, with their count
 * known up front (for progress and the result), and never holds them as one array. Only where a
 * reader indexes them, for event logs, are they gathered: one log per day, so a decade is 3,653.
 */
export type FileKeys = Iterable<string> | AsyncIterable<string>;

export interface ListedKeys {
  /** How many files are listed. */
  readonly count: number;
  /** Their keys in key order; each call reads them afresh. */
  read(): AsyncIterable<string>;
}

/** Keys already in memory (a test's, or a caller's few) as ListedKeys. */
export function listedKeysOf(keys: readonly string[]): ListedKeys {
  return {
    count: keys.length,
    async *read() {
      yield* keys;
    },
  };
}

/** Every key in one array: only for event logs (see above). */
export async function gatherKeys(keys: FileKeys): Promise<string[]> {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all;
}
