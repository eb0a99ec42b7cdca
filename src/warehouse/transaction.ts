/**
 * Runs `work` between BEGIN and COMMIT on one session; ROLLBACK if it throws. `run` sends one
 * statement on that session (a DuckDB connection, a PostgreSQL client). Once `signal` has aborted
 * the transaction does not commit, even when `work` finished: an abort between statements finds
 * nothing running to cancel.
 */
export async function inTransaction<T>(run: (sql: string) => Promise<unknown>, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  await run('BEGIN');
  try {
    const result = await work();
    signal?.throwIfAborted();
    await run('COMMIT');
    return result;
  } catch (err) {
    await run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The statements of an `execute` call as a list. */
export function statementList(statements: string | readonly string[]): readonly string[] {
  return typeof statements === 'string' ? [statements] : statements;
}
