import { ConfigError } from '../errors';
import type { Row, Warehouse } from './types';

/** A query a person typed (`sparkify sql`) held more than one statement. */
export class SeveralStatementsError extends ConfigError {
  constructor() {
    super('the query holds more than one statement: sparkify sql runs one at a time, so give each on its own');
  }
}

/**
 * A statement a person typed (`sparkify sql`) would write to a warehouse the read commands opened
 * read-only. `statementType` where the engine names it (DuckDB's "DELETE").
 */
export class WriteRefusedError extends ConfigError {
  constructor(warehouse: string, statementType?: string) {
    super(
      `${warehouse} is opened read-only by the commands that read it, and the ${statementType ? `${statementType} ` : ''}statement would write to it: ` +
        'sparkify sql runs queries only; the pipeline (sparkify run) writes the warehouse',
    );
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

/** The warehouse's single-statement query where it has one (DuckDB, PostgreSQL, Redshift); else its plain query. */
export function querySingleStatement(warehouse: Warehouse & Partial<SingleStatementQuery>, sql: string): Promise<Row[]> {
  return warehouse.querySingleStatement ? warehouse.querySingleStatement(sql) : warehouse.query(sql);
}
