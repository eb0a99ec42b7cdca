/**
 * The Node (V8) flags a worker process is started with (bin/sparkify.js's shebang, the Dockerfile,
 * the benchmark's worker). Node 24 lets V8's young generation grow to two 64 MiB semi-spaces, which
 * the worker's streaming parse (short-lived objects by the million) fills and keeps: 128 MiB of
 * the worker's memory at every input size, and more promoted to the old generation between
 * collections. 16 MiB semi-spaces (V8's default before Node 22 here) cut the PostgreSQL worker's
 * peak at 160k events from 455 to ~317 MiB (docs/performance-log.md, "The worker's memory"). V8 reads
 * the flag when the process starts only: setting it from inside the process changes nothing.
 * --expose-gc lets the worker collect its heap between steps that leave much garbage
 * (src/util/heapRelease.ts).
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16', '--expose-gc'];

/**
 * glibc malloc's settings for the worker process, as environment variables (set where the flags
 * above are). By default glibc raises its mmap threshold, up to 32 MiB, each time a mapped block is
 * freed; larger blocks then come from its arenas, which hand memory back only from their top. The
 * worker's large native blocks (Node's buffers, the Temporal core's, the DuckDB client's results)
 * freed in one step so stayed resident under the next, and the worker's memory rose step by step
 * at 8M events. Held at 512 KiB, a block that large is mapped and returned when freed, and free
 * memory at an arena's top is returned past 512 KiB; smaller blocks (the 256 KiB chunks staging
 * encodes into) still come from the arenas, reused. Measured (docs/performance-log.md, "The worker's
 * memory: glibc's thresholds held"): in process, a DuckDB run's peak at 8M events 569 → 486 MiB
 * (457 held at 128 KiB, glibc's starting value, which made `stageEvents` 5-10% slower: a fresh
 * mapping for every chunk), at 160k 379 → 354-376 MiB; `stageEvents` at 1.6M no slower (six
 * alternated pairs). glibc reads them when the process starts only.
 */
export const WORKER_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '524288',
  MALLOC_TRIM_THRESHOLD_: '524288',
};
