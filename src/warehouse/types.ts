import type { CellValue } from '../etl/records';

export type Dialect = 'duckdb' | 'postgres' | 'redshift';

/**
 * A query result row, the same on every engine: whole numbers as numbers, timestamps as ISO-8601
 * strings in UTC, NULL as null.
 */
export type Row = Record<string, string | number | boolean | null>;

export interface StatementOptions {
  /** Aborts the statement (the warehouse cancels it server-side where it can). */
  signal?: AbortSignal;
}

/**
 * One interface over DuckDB, PostgreSQL and Redshift. It assumes nothing that holds for only one
 * engine: statements may run asynchronously on the server (Redshift), and bulk loading is a
 * capability of the engine (`appendRows` streams from this process; Redshift stages with a
 * server-side COPY instead, see `StagingCapability`).
 */
export interface Warehouse {
  readonly dialect: Dialect;
  /** Where it is, with secrets hidden: for logs and summaries. */
  readonly description: string;
  /** Runs the statements in order in ONE transaction: all take effect or none. */
  execute(statements: string | readonly string[], options?: StatementOptions): Promise<void>;
  query(sql: string, options?: StatementOptions): Promise<Row[]>;
  /**
   * Appends rows to a table in one transaction, streaming them so memory stays flat; returns the
   * count. `deleteFirst` runs before the rows go in, inside the same transaction, which makes a
   * retried append idempotent.
   */
  appendRows(
    table: string,
    columns: readonly string[],
    rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
    options?: StatementOptions & { deleteFirst?: string },
  ): Promise<number>;
  close(): Promise<void>;
}
