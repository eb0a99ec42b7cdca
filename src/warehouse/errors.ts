import { ConfigError, ERROR_TYPES, StorageError } from '../errors';
import { FREE_SPACE_ADVICE, isNoRoom } from '../util/storageFaults';
import { DEFAULT_DUCKDB_MEMORY_LIMIT } from './duckdbSettings';

/**
 * A statement the warehouse refused for what it says (bad SQL, bad data, a violated constraint):
 * running it again gives the same answer, so Temporal must not retry it. Connection losses,
 * deadlocks and write conflicts are left as ordinary errors, which are retried.
 */
export class SqlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = ERROR_TYPES.sql;
  }
}

/**
 * Whether `err` (or an error it was made from) is PostgreSQL refusing a second row with the same
 * value of a unique key of `table` (SQLSTATE 23505, unique_violation): from an insert into the
 * table, or from building the key over rows that hold a value twice.
 */
export function isUniqueViolation(err: unknown, table: string): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const fields = e as Error & { code?: unknown; table?: unknown };
    if (fields.code === '23505' && fields.table === table) return true;
  }
  return false;
}

// SQLSTATE classes that retrying cannot fix: data exception, integrity violation, syntax or
// access rule violation, feature not supported, invalid transaction/schema names.
const PERMANENT_SQLSTATE_CLASSES = new Set(['22', '23', '42', '0A', '3D', '3F', '2B']);

// disk_full: the server has no room to write. Retrying meets it again until someone frees space.
const DISK_FULL_SQLSTATE = '53100';

/** `warehouse`: its URI, password hidden, for the message of a fault of the server's disk. */
export function classifyPostgresError(err: unknown, warehouse = 'PostgreSQL'): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === DISK_FULL_SQLSTATE) {
    return new StorageError(`warehouse ${warehouse}: ${(err as Error).message} (SQLSTATE ${code}): the server's disk is full: ${FREE_SPACE_ADVICE}`, { cause: err });
  }
  if (typeof code === 'string' && PERMANENT_SQLSTATE_CLASSES.has(code.slice(0, 2))) {
    return new SqlError(`${(err as Error).message} (SQLSTATE ${code})`, { cause: err });
  }
  return err;
}

// Redshift's refusal of a write with no room: "ERROR: Disk Full" (its detail says "error: Disk Full
// code: 1016"). The Data API gives a failed statement's error as text only; a SQLSTATE, where the
// text carries one, is PostgreSQL's disk_full.
const REDSHIFT_DISK_FULL = /\bDisk Full\b|\bSQLSTATE\W{0,3}53100\b/i;

/**
 * A failed Redshift statement's error text as a StorageError naming `warehouse` (its URI) when the
 * cluster's disk is full, as PostgreSQL's disk_full is; else null. It was a SqlError with the bare
 * text: the run failed without saying where or what to do.
 */
export function redshiftDiskFullError(message: string, warehouse: string): StorageError | null {
  if (!REDSHIFT_DISK_FULL.test(message)) return null;
  return new StorageError(`warehouse ${warehouse}: ${message}: the cluster's disk is full: ${FREE_SPACE_ADVICE}`);
}

// Refusals at connection time that every retry meets again, and what the user can do about each:
// the database does not exist, or the server does not let the user in.
const CONNECT_REFUSAL_FIXES: Record<string, string> = {
  '3D000': 'create the database, or fix its name in the warehouse URI (--warehouse or SPARKIFY_WAREHOUSE)',
  '28P01': 'fix the user or password in the warehouse URI (--warehouse or SPARKIFY_WAREHOUSE)',
  '28000': 'fix the user in the warehouse URI (--warehouse or SPARKIFY_WAREHOUSE), or let it in (pg_hba.conf)',
};

/**
 * A failure to connect to `warehouse` (its URI, password hidden) as the run should see it: the
 * refusals above as a setting the user got wrong (non-retryable), anything else (refused, reset,
 * timed out: a server starting or restarting) as it came, to be retried.
 */
export function classifyPostgresConnectError(err: unknown, warehouse: string): unknown {
  const code = (err as { code?: unknown }).code;
  const fix = typeof code === 'string' ? CONNECT_REFUSAL_FIXES[code] : undefined;
  if (fix === undefined) return err;
  // The server's message names the database or user, never the password.
  return new ConfigError(`warehouse ${warehouse}: ${(err as Error).message} (SQLSTATE ${code}): ${fix}`);
}

// DuckDB names its error kinds at the start of the message.
const PERMANENT_DUCKDB_KINDS = /^(Parser|Binder|Catalog|Conversion|Constraint|Invalid Input|Not implemented|Out of Range|Syntax) Error/;

/** `warehouse`: duckdb:PATH, for the message of a fault of its disk. */
export function classifyDuckDbError(err: unknown, warehouse = 'DuckDB'): unknown {
  const message = (err as Error).message ?? '';
  if (PERMANENT_DUCKDB_KINDS.test(message)) return new SqlError(message, { cause: err });
  // The file, its write-ahead log or its spill directory (PATH.wal, PATH.tmp) did not fit.
  if (isNoRoom(err)) return new StorageError(`warehouse ${warehouse}: ${message}: no room on its disk: ${FREE_SPACE_ADVICE}`, { cause: err });
  // DuckDB's own advice names its SET; the worker's pool is set by the env instead. Left retryable:
  // a retry may fit once the failed attempt's memory is freed.
  if (/^Out of Memory Error/.test(message)) {
    return new Error(`${message}\nDuckDB's pool is SPARKIFY_DUCKDB_MEMORY_LIMIT (default ${DEFAULT_DUCKDB_MEMORY_LIMIT} in a worker or run, DuckDB's 80% of RAM in sql and insights): raise it (e.g. 2GB), or set it to 'default' for DuckDB's 80% of RAM.`, { cause: err });
  }
  return err;
}
