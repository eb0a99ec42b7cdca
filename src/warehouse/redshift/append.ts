import type { CellValue } from '../../etl/records';
import { sqlLiteral } from '../sql';

/**
 * The Data API takes at most 100 KB of SQL per statement; INSERTs stay below this, leaving room
 * for the statement's head (table and column names).
 */
export const MAX_STATEMENT_BYTES = 90_000;
/** Most bytes of rows, as SQL values, in one of those statements. */
const MAX_VALUES_BYTES = MAX_STATEMENT_BYTES - 8_000;
/** Redshift's largest VARCHAR, in bytes: every text column's type ({{text}} in src/warehouse/sql.ts). */
export const MAX_TEXT_BYTES = 65535;

/** A row as SQL values, `(…, …)`. */
function valuesTuple(row: readonly CellValue[]): string {
  return `(${row.map((v) => sqlLiteral(v ?? null, 'redshift')).join(', ')})`;
}

/**
 * Why `row` can't be appended as it is, or null: a text value longer than a VARCHAR holds (named
 * by `names`, in the row's order), or a row whose SQL values don't fit one statement.
 */
export function appendRowProblem(row: readonly CellValue[], names: readonly string[]): string | null {
  for (let i = 0; i < row.length; i++) {
    const value = row[i];
    if (typeof value !== 'string' || value.length * 3 <= MAX_TEXT_BYTES) continue;
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_TEXT_BYTES) return `field "${names[i]}" is ${bytes} bytes, more than the ${MAX_TEXT_BYTES}-byte limit of a Redshift VARCHAR`;
  }
  const bytes = Buffer.byteLength(valuesTuple(row)) + 2;
  if (bytes > MAX_VALUES_BYTES) return `record is ${bytes} bytes as SQL values, more than the ${MAX_VALUES_BYTES} bytes one Data API statement is given`;
  return null;
}

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
      const tuple = valuesTuple(row);
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
