import type { CellValue } from '../../etl/records';
import { sqlLiteral } from '../sql';

/**
 * The Data API takes at most 100 KB of SQL per statement; INSERTs stay below this, leaving room
 * for the statement's head (table and column names).
 */
export const MAX_STATEMENT_BYTES = 90_000;
const MAX_VALUES_BYTES = MAX_STATEMENT_BYTES - 8_000;

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Rows as the VALUES lists of multi-row INSERTs, each list small enough for one statement. */
export interface InsertChunks {
  count: number;
  /** `INSERT … VALUES …` statements into `table` (the target, or a buffer with its columns). */
  into(table: string): string[];
}

export async function insertChunks(
  target: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
): Promise<InsertChunks> {
  const chunks: string[] = [];
  let values: string[] = [];
  let bytes = 0;
  let count = 0;
  for await (const row of rows) {
    if (row.length !== columns.length) throw new Error(`row ${count + 1} for ${target} has ${row.length} values for ${columns.length} columns`);
    const tuple = `(${row.map((v) => sqlLiteral(v ?? null, 'redshift')).join(', ')})`;
    const size = Buffer.byteLength(tuple) + 2;
    if (size > MAX_VALUES_BYTES) throw new Error(`row ${count + 1} for ${target} is ${size} bytes, more than one Data API statement holds`);
    if (bytes + size > MAX_VALUES_BYTES) {
      chunks.push(values.join(', '));
      values = [];
      bytes = 0;
    }
    values.push(tuple);
    bytes += size;
    count++;
  }
  if (values.length > 0) chunks.push(values.join(', '));
  const columnList = columns.map(quoteIdent).join(', ');
  return { count, into: (table) => chunks.map((v) => `INSERT INTO ${quoteIdent(table)} (${columnList}) VALUES ${v}`) };
}
