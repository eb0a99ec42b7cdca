/**
 * A full collection of V8's heap between steps, where the worker runs with `--expose-gc`
 * (WORKER_NODE_FLAGS). Listing 71,000 song files and staging them on the main thread leave ~100 MiB
 * of garbage in the old generation, which V8 collects only when the heap next grows or the thread
 * idles: neither happens while `stageEvents` feeds DuckDB, so that garbage stayed resident under
 * staging's own rise and set the worker's peak at 8M events (docs/performance-log.md, "The worker's
 * memory"). Costs tens of milliseconds for a heap of that size. `runtime` is where `gc` is looked
 * up: the process's global object unless a test gives another.
 */
export function collectGarbage(runtime: { gc?: unknown } = globalThis): boolean {
  const gc = runtime.gc;
  if (typeof gc !== 'function') return false;
  (gc as () => void)();
  return true;
}
