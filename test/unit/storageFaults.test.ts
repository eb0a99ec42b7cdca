/**
 * A write with no room (disk full, a file size limit, a quota) fails its step at once, naming the
 * place and saying to free space and run again: every retry would meet it again.
 */
import { ApplicationFailure } from '@temporalio/common';
import { withFailureType } from '../../src/activities/failureTypes';
import { ERROR_TYPES, StorageError } from '../../src/errors';
import { EncodeThreadError } from '../../src/staging/threadedCopyStaging';
import { classifyDuckDbError, classifyPostgresError } from '../../src/warehouse/errors';

/** An fs error as Node makes it (fs.writeSync on a full disk has no path). */
const errno = (code: string, message: string, file?: string) => Object.assign(new Error(message), { code, syscall: 'write', ...(file ? { path: file } : {}) });

const failureOf = (err: unknown) => withFailureType(err) as ApplicationFailure;

describe('a write with no room', () => {
  test.each([
    ['disk full', 'TransactionContext Error: Failed to commit: Could not write file "/w/w.duckdb.wal": No space left on device'],
    ['a file size limit', 'IO Error: Could not write file "/w/w.duckdb": File too large'],
  ])('on a DuckDB warehouse (%s) is a StorageError naming the warehouse, the file and what to do', (_, message) => {
    const err = classifyDuckDbError(new Error(message), 'duckdb:/w/w.duckdb');
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain(`warehouse duckdb:/w/w.duckdb: ${message}`);
    expect((err as Error).message).toMatch(/free space there .* and run again: runs are idempotent/);
  });

  test("on PostgreSQL's server (SQLSTATE 53100, disk_full) is a StorageError naming the warehouse", () => {
    const pgError = Object.assign(new Error('could not extend file "base/16384/16390": No space left on device'), { code: '53100' });
    const err = classifyPostgresError(pgError, 'postgres://etl:***@db:5432/wh');
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/^warehouse postgres:\/\/etl:\*\*\*@db:5432\/wh: could not extend file .* \(SQLSTATE 53100\): the server's disk is full: free space there/);
  });

  test.each([
    ['a reject spool on a full disk', errno('ENOSPC', 'ENOSPC: no space left on device, write'), /the worker's disk has no room \(its temporary files go under .*TMPDIR\)/],
    ['a staging part file past ulimit -f', errno('EFBIG', 'EFBIG: file too large, write', '/w/w.duckdb.tmp/part-1.csv'), /the worker's disk has no room for \/w\/w.duckdb.tmp\/part-1.csv/],
    ['a DuckDB warehouse', classifyDuckDbError(new Error('IO Error: Could not write file "/w/w.duckdb": File too large'), 'duckdb:/w/w.duckdb'), /^warehouse duckdb:\/w\/w.duckdb: /],
  ])('leaves its activity as a non-retryable StorageError: %s', (_, err, where) => {
    const failure = failureOf(err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ERROR_TYPES.storage, nonRetryable: true });
    expect(failure.message).toContain((err as Error).message);
    expect(failure.message).toMatch(where);
    expect(failure.message).toMatch(/run again/);
  });

  test('other faults of a write are left to be retried (so the checks above can fail)', () => {
    const reset = errno('ECONNRESET', 'read ECONNRESET');
    expect(withFailureType(reset)).toBe(reset);
    const conflict = new Error('TransactionContext Error: Catalog write-write conflict on alter with "songplays"');
    expect(classifyDuckDbError(conflict, 'duckdb:/w/w.duckdb')).toBe(conflict);
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    expect(classifyPostgresError(deadlock, 'postgres://db/wh')).toBe(deadlock);
  });

  test('a part file the encoding thread could not write does not blame the source line it was at', () => {
    const err = new EncodeThreadError('events', 'EFBIG: file too large, write', 'log_data/2018/11/2018-11-03-events.json', 130);
    expect(err.message).toBe("staging events: a write of the encoding thread's files failed: EFBIG: file too large, write");
    expect(failureOf(classifyDuckDbError(err, 'duckdb:/w/w.duckdb'))).toMatchObject({ type: ERROR_TYPES.storage, nonRetryable: true });
    // Other errors of the thread still name where it was.
    expect(new EncodeThreadError('events', 'Unexpected token } in JSON', 'log_data/x.json', 3).message).toBe(
      'staging events: encoding COPY text failed at log_data/x.json line 3: Unexpected token } in JSON',
    );
  });
});
