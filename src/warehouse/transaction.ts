/**
 * Runs `work` between BEGIN and COMMIT on one session; ROLLBACK if it throws. `run` sends one
 * statement on that session (a DuckDB connection, a PostgreSQL client).
 */
export async function inTransaction<T>(run: (sql: string) => Promise<unknown>, work: () => Promise<T>): Promise<T> {
  await run('BEGIN');
  try {
    const result = await work();
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
