import type { CellValue } from '../../etl/records';
import { sqlLiteral } from '../sql';

/**
 * The Data API takes at most 100 KB of SQL per statement; INSERTs stay below this, leaving room
 * for multi-byte characters being counted in bytes.
 */
export const MAX_STATEMENT_BYTES = 90_000;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Rows as multi-row `INSERT … VALUES` statements, each within MAX_STATEMENT_BYTES. */
export async function appendStatements(
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
): Promise<{ statements: string[]; count: number }> {
  const head = `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES `;
  const statements: string[] = [];
  let values: string[] = [];
  let bytes = Buffer.byteLength(head);
  let count = 0;
  for await (const row of rows) {
    if (row.length !== columns.length) throw new Error(`row ${count + 1} for ${table} has ${row.length} values for ${columns.length} columns`);
    const tuple = `(${row.map((v) => sqlLiteral(v ?? null)).join(', ')})`;
    const size = Buffer.byteLength(tuple) + 2;
    if (Buffer.byteLength(head) + size > MAX_STATEMENT_BYTES) {
      throw new Error(`row ${count + 1} for ${table} is ${size} bytes, more than one Data API statement holds`);
    }
    if (bytes + size > MAX_STATEMENT_BYTES) {
      statements.push(head + values.join(', '));
      values = [];
      bytes = Buffer.byteLength(head);
    }
    values.push(tuple);
    bytes += size;
    count++;
  }
  if (values.length > 0) statements.push(head + values.join(', '));
  return { statements, count };
}
