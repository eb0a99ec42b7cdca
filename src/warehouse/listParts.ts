/**
 * Values that a statement names in a list ({{keys}} in `IN ({{keys}})`), in parts whose statements
 * each fit the warehouse's size limit (StatementSizeLimit: Redshift's Data API refuses a statement
 * over 100 KB). A statement may name its list more than once (an IN in each branch, its header
 * comment): each value is counted as many times as it is rendered.
 */
import type { SqlNameArg } from './sqlNames';
import { sqlLiteral, sqlStatement, type SqlParam } from './sql';
import { boundedBatches } from '../util/boundedBatches';
import { hasStatementSizeLimit, type Warehouse } from './types';

export interface ListPartsOptions<T> {
  /** The values' parameter in the statement. */
  param: string;
  /** The statement's other parameters. */
  params?: Record<string, SqlParam>;
  /** Most values a part, whatever the warehouse. */
  count: number;
  /** The value an item stands for, when the items are not the values themselves. */
  value?: (item: T) => string;
}

/**
 * `items` in order, in parts of at most `options.count`, each of whose statements (`sql/<name>.sql`
 * with the part as `options.param`) is within the warehouse's statement size, if it has one. A value
 * too long to fit alone is a part of its own (its statement fails there, naming why).
 */
export function listParts<T, N extends string>(warehouse: Warehouse, name: SqlNameArg<N>, items: readonly T[], options: ListPartsOptions<T>): T[][] {
  if (!hasStatementSizeLimit(warehouse)) return boundedBatches(items, { count: options.count, bytes: Infinity }, () => 0);
  const d = warehouse.dialect;
  const render = (values: string[]) => Buffer.byteLength(sqlStatement(name, d, { ...options.params, [options.param]: values }));
  const base = render(['']);
  // Each more value adds its literal and the ", " before it, once where the list is rendered.
  const timesRendered = (render(['', '']) - base) / (Buffer.byteLength(sqlLiteral('', d)) + 2);
  const value = options.value ?? ((item: T) => String(item));
  return boundedBatches(items, { count: options.count, bytes: warehouse.maxStatementBytes - base }, (item) => timesRendered * (Buffer.byteLength(sqlLiteral(value(item), d)) + 2));
}

/** The statement of `sql/<name>.sql` for each part of `values` (listParts), in order: none for no values. */
export function listPartStatements<N extends string>(warehouse: Warehouse, name: SqlNameArg<N>, values: readonly string[], options: ListPartsOptions<string>): string[] {
  return listParts(warehouse, name, values, options).map((part) => sqlStatement(name, warehouse.dialect, { ...options.params, [options.param]: part }));
}
