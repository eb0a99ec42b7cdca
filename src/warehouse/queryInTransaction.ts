import type { Row, StatementOptions, Warehouse } from './types';

/**
 * A warehouse that can run a query in a transaction of its own after some statements (e.g.
 * `SET LOCAL` settings that should hold for that query alone): PostgreSQL, whose pooled sessions
 * would otherwise keep a `SET` for whatever query gets the session next.
 */
export interface QueryInTransaction {
  queryInTransaction(setup: readonly string[], sql: string, options?: StatementOptions): Promise<Row[]>;
}

export function canQueryInTransaction(warehouse: Warehouse): warehouse is Warehouse & QueryInTransaction {
  return typeof (warehouse as Partial<QueryInTransaction>).queryInTransaction === 'function';
}

/**
 * Runs `sql` after `setup` in a transaction of its own where there is setup and the warehouse can
 * (PostgreSQL); otherwise as a plain query.
 */
export function queryAfterSetup(warehouse: Warehouse, setup: readonly string[], sql: string, options?: StatementOptions): Promise<Row[]> {
  return setup.length > 0 && canQueryInTransaction(warehouse) ? warehouse.queryInTransaction(setup, sql, options) : warehouse.query(sql, options);
}
