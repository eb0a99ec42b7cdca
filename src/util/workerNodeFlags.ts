/**
 * The Node (V8) flags a worker process is started with (bin/sparkify.js's shebang, the Dockerfile,
 * the benchmark's worker). Node 24 lets V8's young generation grow to two 64 MiB semi-spaces, which
 * the worker's streaming parse (short-lived objects by the million) fills and keeps: 128 MiB of
 * the worker's memory at every input size, and more promoted to the old generation between
 * collections. 16 MiB semi-spaces (V8's default before Node 22 here) cut the PostgreSQL worker's
 * peak at 160k events from 455 to ~317 MiB (docs/performance.md, "The worker's memory"). V8 reads
 * the flag when the process starts only: setting it from inside the process changes nothing.
 * --expose-gc lets the worker collect its heap between steps that leave much garbage
 * (src/util/heapRelease.ts).
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16', '--expose-gc'];
