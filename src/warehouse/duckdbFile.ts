import fs from 'node:fs';

/** Where a DuckDB database file has its magic bytes, and what they are. */
const MAGIC_OFFSET = 8;
const MAGIC = Buffer.from('DUCK', 'latin1');

/**
 * Why `file` cannot be opened as a DuckDB warehouse, or undefined when it can: a DuckDB database
 * file, or nothing there yet (the warehouse creates it). The header decides, not the name:
 * DuckDB opens a JSON, CSV or Parquet file as an in-memory database with a view over it, so a run
 * on one would complete and keep nothing.
 */
export function duckDbFileProblem(file: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    // Nothing there (or a file where a folder of the path should be, which the check of the
    // path's folders reports): not this function's problem.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return `${file} cannot be read (${(err as NodeJS.ErrnoException).code})`;
  }
  if (stat.isDirectory()) return `${file} is a directory, not a DuckDB database file`;
  const header = Buffer.alloc(MAGIC_OFFSET + MAGIC.length);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const read = fs.readSync(fd, header, 0, header.length, 0);
    if (read === header.length && header.subarray(MAGIC_OFFSET).equals(MAGIC)) return undefined;
  } catch (err) {
    return `${file} cannot be read (${(err as NodeJS.ErrnoException).code})`;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return `${file} exists and is not a DuckDB database file`;
}

/** What to do about a duckDbFileProblem. */
export const DUCKDB_FILE_FIX = 'give --warehouse duckdb:<path> the path of a DuckDB database file, or of one to create';

/**
 * DuckDB's message when another process holds the file's lock (`Could not set lock on file …:
 * Conflicting lock is held in … (PID …)`): worth retrying, the other process may let go. Not any
 * "lock": a damaged file's message speaks of a "block".
 */
export const DUCKDB_LOCK_CONFLICT = /Could not set lock on file|Conflicting lock is held/i;

/** DuckDB's messages for a file with its header and damaged content: no retry opens it. */
export const DUCKDB_DAMAGED_FILE = /Corrupt database file|checksum .* does not match|is not a valid DuckDB database file/i;

/** What to do about a damaged DuckDB file. */
export const DUCKDB_DAMAGED_FIX =
  'restore it from a backup, or move it aside and rebuild the warehouse from the source (sparkify run --all --warehouse duckdb:<path>)';
