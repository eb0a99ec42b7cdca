/**
 * Writes the file system refuses for lack of room (disk full, a file size limit such as `ulimit -f`,
 * a quota), told apart from passing faults: retrying one waits minutes for nothing, so the step
 * fails at once with a StorageError that names the place and says what to do.
 */
import os from 'node:os';
import { StorageError } from '../errors';

/** errno codes of a write with no room. */
const NO_ROOM_CODES = new Set(['ENOSPC', 'EFBIG', 'EDQUOT']);
/** The same as strerror words them: Node's messages, and C libraries' (DuckDB's IO Error). */
const NO_ROOM_TEXT = /no space left on device|file too large|disk quota exceeded/i;

/** What to do about a place with no room. A run is idempotent, which is what makes "run again" safe. */
export const FREE_SPACE_ADVICE =
  'free space there (or raise the size limit or quota) and run again: runs are idempotent, so running the same window again gives the same tables';

/** Whether err, or an error it was caused by, is a write with no room. */
export function isNoRoom(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Object && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && NO_ROOM_CODES.has(code)) return true;
    if (NO_ROOM_TEXT.test(String((e as Error).message ?? ''))) return true;
  }
  return false;
}

/**
 * A write with no room in the worker's own files (reject spools and staging part files under its
 * temporary directory, reports) as a StorageError naming the file where the error does; anything
 * else unchanged.
 */
export function workerNoRoomError(err: unknown): unknown {
  if (err instanceof StorageError || !isNoRoom(err)) return err;
  const file = (err as NodeJS.ErrnoException).path;
  const where = file ? `the worker's disk has no room for ${file}` : `the worker's disk has no room (its temporary files go under ${os.tmpdir()}, set by TMPDIR)`;
  return new StorageError(`${(err as Error).message}: ${where}: ${FREE_SPACE_ADVICE}`, { cause: err });
}
