/**
 * The settings every embedded DuckDB instance opens with. DuckDB runs inside the worker, and by
 * default its buffer pool may take 80% of the machine's memory: the worker's memory would then
 * grow with the input (4.6 GB at 8M events, docs/performance.md). Bounded by design instead: the
 * pool gets a fixed share of a worker that fits in 1 GiB, and what does not fit spills to a temp
 * directory beside the database file.
 */
import path from 'node:path';

/**
 * The buffer pool's default size. DuckDB's process memory runs past its pool (allocator slack,
 * memory outside the pool): at 1.6M events the worker peaked at 1079 MiB with 512 MiB and at
 * 728 MiB with 256 MiB (ready: 255 MiB), no slower (docs/performance.md).
 */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = '256MiB';

/** Env: another pool size in DuckDB's syntax ('2GB', '768MiB'); 'default' keeps DuckDB's own (80% of RAM). */
export const MEMORY_LIMIT_ENV = 'SPARKIFY_DUCKDB_MEMORY_LIMIT';

export interface DuckDbResourceOptions {
  /** The buffer pool's size in DuckDB's syntax; null keeps DuckDB's default. Default: the env, else DEFAULT_DUCKDB_MEMORY_LIMIT. */
  memoryLimit?: string | null;
}

/** Where a database spills what exceeds the pool: `<file>.tmp` beside it (in-memory: DuckDB's default). */
export function spillDirectory(file: string): string | undefined {
  return file === ':memory:' ? undefined : path.resolve(`${file}.tmp`);
}

function memoryLimitFromEnv(env: NodeJS.ProcessEnv): string | null {
  const value = (env[MEMORY_LIMIT_ENV] ?? '').trim();
  if (value === '') return DEFAULT_DUCKDB_MEMORY_LIMIT;
  if (value.toLowerCase() === 'default') return null;
  if (!/^\d+(\.\d+)?\s*[a-z]*$/i.test(value)) {
    throw new Error(`${MEMORY_LIMIT_ENV}='${value}' is not a memory size (e.g. 512MiB, 2GB, or 'default' for DuckDB's 80% of RAM)`);
  }
  return value;
}

/** The options DuckDBInstance.create gets for `file`. */
export function duckDbInstanceOptions(file: string, options: DuckDbResourceOptions = {}, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const memoryLimit = options.memoryLimit === undefined ? memoryLimitFromEnv(env) : options.memoryLimit;
  const spill = spillDirectory(file);
  return {
    // Under a bounded pool, an INSERT … SELECT that keeps its rows in order must hold them (the
    // songplays publish ran out of memory so). No step relies on an order it did not ORDER BY.
    ...(memoryLimit === null ? {} : { memory_limit: memoryLimit, preserve_insertion_order: 'false' }),
    ...(spill === undefined ? {} : { temp_directory: spill }),
  };
}
