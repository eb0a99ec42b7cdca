/**
 * Whether a PostgreSQL warehouse's plays lie in start-time order, as `sparkify doctor` reports it.
 * PostgreSQL costs a scan of the plays' start-time indexes (BRIN) by how start_time follows the
 * table's order as a whole: where a publish before 7 December 2026 wrote its plays wrapped around,
 * a one-day report reads every play (docs/operations.md, "Plays written wrapped around"). A warning,
 * with the one-off commands that put a table in order.
 */
import { sqlStatement } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { ok, unchecked, warning, type CheckResult } from './types';

const ID = 'warehouse.playTimeOrder';
const TITLE = 'plays in start-time order';

/** Below this many rows a pass over every play costs little: not reported. */
export const PLAY_ORDER_MIN_ROWS = 100_000;
/** A correlation of start_time with the table's order under this (either sign) is out of order. */
export const PLAY_ORDER_MIN_CORRELATION = 0.5;

interface TableOrder {
  table: string;
  rows: number;
  correlation: number;
}

/** The check on a PostgreSQL warehouse (`name` as the report names it); none on the other engines. */
export async function checkPlayTimeOrder(warehouse: Warehouse, name: string): Promise<CheckResult[]> {
  if (warehouse.dialect !== 'postgres') return [];
  let tables: TableOrder[];
  try {
    tables = (await warehouse.query(sqlStatement('postgres/play_time_order', warehouse.dialect))).map((r) => ({
      table: String(r.table_name),
      rows: Number(r.estimated_rows),
      correlation: Number(r.correlation),
    }));
  } catch (err) {
    return [unchecked(ID, TITLE, `${name}: ${(err as Error).message.split('\n')[0]}`, 'check the warehouse connection, then run `sparkify doctor` again')];
  }
  const described = (t: TableOrder) => `${t.table} (${Math.round(t.rows).toLocaleString('en-US')} rows, correlation ${t.correlation.toFixed(2)})`;
  const wrapped = tables.filter((t) => t.rows >= PLAY_ORDER_MIN_ROWS && Math.abs(t.correlation) < PLAY_ORDER_MIN_CORRELATION);
  if (wrapped.length === 0) {
    const measured = tables.filter((t) => t.rows >= PLAY_ORDER_MIN_ROWS);
    return [ok(ID, TITLE, measured.length > 0 ? `${name}: ${measured.map(described).join(', ')}` : `${name}: fewer than ${PLAY_ORDER_MIN_ROWS.toLocaleString('en-US')} plays, or no statistics yet`)];
  }
  const commands = wrapped.map((t) => `CREATE INDEX ${t.table}_order ON ${t.table} (start_time); CLUSTER ${t.table} USING ${t.table}_order; DROP INDEX ${t.table}_order; ANALYZE ${t.table};`);
  return [
    warning(
      ID,
      TITLE,
      `${name}: ${wrapped.map(described).join(', ')}: their rows do not follow start_time, so a report of one day reads every play (a publish before 7 December 2026 wrote them wrapped around)`,
      `at a quiet time (CLUSTER locks the table while it rewrites it): ${commands.join(' ')} (docs/operations.md, "Plays written wrapped around")`,
    ),
  ];
}
