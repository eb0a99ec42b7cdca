import { ConfigError } from '../errors';
import type { Row, Warehouse } from './types';

/** A query a person typed (`sparkify sql`) held more than one statement. */
export class SeveralStatementsError extends ConfigError {
  constructor() {
    super('the query holds more than one statement: sparkify sql runs one at a time, so give each on its own');
  }
}

/**
 * Runs one statement a person typed and refuses several (SeveralStatementsError) before running
 * any. Values the pipeline's reads would turn into objects (a PostgreSQL date or interval) come
 * as the engine's text.
 */
export interface SingleStatementQuery {
  querySingleStatement(sql: string): Promise<Row[]>;
}

/** The warehouse's single-statement query where it has one (DuckDB, PostgreSQL); else (Redshift) its plain query. */
export function querySingleStatement(warehouse: Warehouse & Partial<SingleStatementQuery>, sql: string): Promise<Row[]> {
  return warehouse.querySingleStatement ? warehouse.querySingleStatement(sql) : warehouse.query(sql);
}
