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
export interface InsertLists extends AsyncIterable<string> {
  /** Rows read so far (all of them once the lists are exhausted). */
  readonly count: number;
  /** `INSERT … VALUES <list>` into `table` (the target, or a buffer with its columns). */
  insertInto(table: string, values: string): string;
}

/**
 * Reads `rows` lazily: each VALUES list is built only when the previous one has been taken, so a
 * caller that sends lists as it takes them holds at most its own batch in memory.
 */
export function insertLists(
  target: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
): InsertLists {
  let count = 0;
  const columnList = columns.map(quoteIdent).join(', ');
  async function* lists(): AsyncGenerator<string> {
    let values: string[] = [];
    let bytes = 0;
    for await (const row of rows) {
      if (row.length !== columns.length) throw new Error(`row ${count + 1} for ${target} has ${row.length} values for ${columns.length} columns`);
      const tuple = `(${row.map((v) => sqlLiteral(v ?? null, 'redshift')).join(', ')})`;
      const size = Buffer.byteLength(tuple) + 2;
      if (size > MAX_VALUES_BYTES) throw new Error(`row ${count + 1} for ${target} is ${size} bytes, more than one Data API statement holds`);
      if (bytes + size > MAX_VALUES_BYTES) {
        yield values.join(', ');
        values = [];
        bytes = 0;
      }
      values.push(tuple);
      bytes += size;
      count++;
    }
    if (values.length > 0) yield values.join(', ');
  }
  return {
    get count() {
      return count;
    },
    insertInto: (table, values) => `INSERT INTO ${quoteIdent(table)} (${columnList}) VALUES ${values}`,
    [Symbol.asyncIterator]: () => lists(),
  };
}
