/**
 * The settings every embedded DuckDB instance opens with. DuckDB runs inside the worker, and its
 * own default lets its buffer pool take 80% of the machine's memory, so the worker's memory grew
 * with the input (3.6 GB at 8M events, docs/performance.md). The pool is bounded by default
 * (DEFAULT_DUCKDB_MEMORY_LIMIT, or SPARKIFY_DUCKDB_MEMORY_LIMIT) and spills what exceeds it to a
 * temp directory beside the database file.
 */
import path from 'node:path';

/**
 * The pool's size unless the env says otherwise (docs/performance.md, "The worker's memory").
 * Not smaller: at 8M events (6.3M songplays) loadSongplays ran out of 256 MiB on its first attempt
 * (128 MiB: on every attempt); what does not spill grows with the warehouse (the songplays key's
 * index), so a larger warehouse needs a larger pool (the out-of-memory error says how).
 */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = '512MiB';

/** Env: the pool's size in DuckDB's syntax ('256MiB', '2GB'); unset: DEFAULT_DUCKDB_MEMORY_LIMIT; 'default': DuckDB's own (80% of RAM). */
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
    throw new Error(`${MEMORY_LIMIT_ENV}='${value}' is not a memory size (e.g. ${DEFAULT_DUCKDB_MEMORY_LIMIT}, 2GB, or 'default' for DuckDB's 80% of RAM)`);
  }
  return value;
}

/** The options DuckDBInstance.create gets for `file`. */
export function duckDbInstanceOptions(file: string, options: DuckDbResourceOptions = {}, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const memoryLimit = options.memoryLimit === undefined ? memoryLimitFromEnv(env) : options.memoryLimit;
  const spill = spillDirectory(file);
  return {
    // Under a bounded pool, an INSERT … SELECT that keeps its rows in order must hold them (the
    // songplays publish ran out of a 48 MiB pool so at 1.6M events). No step relies on an order it did not ORDER BY.
    ...(memoryLimit === null ? {} : { memory_limit: memoryLimit, preserve_insertion_order: 'false' }),
    ...(spill === undefined ? {} : { temp_directory: spill }),
  };
}
