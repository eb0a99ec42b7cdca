/**
 * The settings every embedded DuckDB instance opens with. DuckDB runs inside the worker, and its
 * own default lets its buffer pool take 80% of the machine's memory, so the worker's memory grew
 * with the input (3.6 GB at 8M events, docs/performance-log.md). The pool is bounded by default
 * (DEFAULT_DUCKDB_MEMORY_LIMIT, or SPARKIFY_DUCKDB_MEMORY_LIMIT) and spills what exceeds it to a
 * temp directory beside the database file.
 */
import path from 'node:path';

/**
 * The pool's size unless the env says otherwise (docs/performance-log.md, "The worker's memory").
 * The worker's peak is its own memory (~260 MiB ready, V8's heaps while staging) plus this pool
 * plus DuckDB's allocations outside it (~100-150 MiB measured). 128 MiB once failed loadSongplays
 * at 8M events: its dedup path hashed every triple and text repair at once even with no copy
 * staged; since that path hashes only the copies, the whole 8M run completes under 128 MiB
 * (worker peak 588 MiB against 461 MiB at 160k). What exceeds the pool spills, and the
 * out-of-memory error names the setting that raises it.
 */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = '128MiB';

/** Env: the pool's size in DuckDB's syntax ('128MiB', '2GB'); unset: DEFAULT_DUCKDB_MEMORY_LIMIT; 'default': DuckDB's own (80% of RAM). */
export const MEMORY_LIMIT_ENV = 'SPARKIFY_DUCKDB_MEMORY_LIMIT';

export interface DuckDbResourceOptions {
  /** The buffer pool's size in DuckDB's syntax; null keeps DuckDB's default. Default: the env, else DEFAULT_DUCKDB_MEMORY_LIMIT. */
  memoryLimit?: string | null;
}

/** Where a database spills what exceeds the pool: `<file>.tmp` beside it (in-memory: DuckDB's default). */
export function spillDirectory(file: string): string | undefined {
  return file === ':memory:' ? undefined : path.resolve(`${file}.tmp`);
}

/** Whether MEMORY_LIMIT_ENV may hold `value`: empty (unset), 'default', or a size in DuckDB's syntax. The CLI checks it at start (src/config.ts). */
export function isMemoryLimitSetting(value: string): boolean {
  const setting = value.trim();
  return setting === '' || setting.toLowerCase() === 'default' || /^\d+(\.\d+)?\s*[a-z]*$/i.test(setting);
}

function memoryLimitFromEnv(env: NodeJS.ProcessEnv): string | null {
  const value = (env[MEMORY_LIMIT_ENV] ?? '').trim();
  if (value === '') return DEFAULT_DUCKDB_MEMORY_LIMIT;
  if (value.toLowerCase() === 'default') return null;
  if (!isMemoryLimitSetting(value)) {
    throw new Error(`${MEMORY_LIMIT_ENV}='${value}' is not a memory size (e.g. ${DEFAULT_DUCKDB_MEMORY_LIMIT}, 2GB, or 'default' for DuckDB's 80% of RAM)`);
  }
  return value;
}

/**
 * The pool of a read command's instance (`sql`, `insights`): the env's when set, else DuckDB's own
 * (80% of RAM). The worker's bound is for a process that stays up beside other work; an analyst's
 * query in a process of its own (a self-join of songplays at 1.6M events) ran out of 128 MiB.
 */
export function readerMemoryLimit(env: NodeJS.ProcessEnv = process.env): string | null {
  return (env[MEMORY_LIMIT_ENV] ?? '').trim() === '' ? null : memoryLimitFromEnv(env);
}

/**
 * DuckDB's own allocator (jemalloc, linked into libduckdb) keeps freed memory per thread until
 * 128 MiB by default and purges dirty pages only when it next allocates: memory outside the pool
 * that the worker's RSS keeps after a step. Smaller caches and a background purge hand it back.
 * 8 MiB rather than 32: three alternated bench pairs gave an 8M-event peak of 596/559/530 MiB
 * against 628/624/642, with the 160k peak and the wall time unchanged (docs/performance-log.md).
 */
export const ALLOCATOR_SETTINGS = {
  allocator_flush_threshold: '8MiB',
  allocator_bulk_deallocation_flush_threshold: '8MiB',
  allocator_background_threads: 'true',
} as const;

/** The options DuckDBInstance.create gets for `file`. */
export function duckDbInstanceOptions(file: string, options: DuckDbResourceOptions = {}, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const memoryLimit = options.memoryLimit === undefined ? memoryLimitFromEnv(env) : options.memoryLimit;
  const spill = spillDirectory(file);
  return {
    // Under a bounded pool, an INSERT … SELECT that keeps its rows in order must hold them (the
    // songplays publish ran out of a 48 MiB pool so at 1.6M events). No step relies on an order it did not ORDER BY.
    ...(memoryLimit === null ? {} : { memory_limit: memoryLimit, preserve_insertion_order: 'false', ...ALLOCATOR_SETTINGS }),
    ...(spill === undefined ? {} : { temp_directory: spill }),
  };
}
