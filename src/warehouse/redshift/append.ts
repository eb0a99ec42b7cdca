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
 * Why `row` can't be appended as it is, or null: a text value longer than a VARCHAR holds, named
 * by `names` (in the row's order). A row too long for one statement is appended in pieces.
 */
export function appendRowProblem(row: readonly CellValue[], names: readonly string[]): string | null {
  for (let i = 0; i < row.length; i++) {
    const value = row[i];
    if (typeof value !== 'string' || value.length * 3 <= MAX_TEXT_BYTES) continue;
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_TEXT_BYTES) return `field "${names[i]}" is ${bytes} bytes, more than the ${MAX_TEXT_BYTES}-byte limit of a Redshift VARCHAR`;
  }
  return null;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A row too long, as SQL values, for one statement: appended in pieces (wideRowStatements). */
export interface WideRow {
  wide: readonly CellValue[];
}

/** Rows as the VALUES lists of multi-row INSERTs, each list small enough for one statement, and rows too wide for one. */
export interface InsertLists extends AsyncIterable<string | WideRow> {
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
  async function* lists(): AsyncGenerator<string | WideRow> {
    let values: string[] = [];
    let bytes = 0;
    for await (const row of rows) {
      if (row.length !== columns.length) throw new Error(`row ${count + 1} for ${target} has ${row.length} values for ${columns.length} columns`);
      const tuple = valuesTuple(row);
      const size = Buffer.byteLength(tuple) + 2;
      if (size > MAX_VALUES_BYTES || bytes + size > MAX_VALUES_BYTES) {
        if (values.length > 0) yield values.join(', ');
        values = [];
        bytes = 0;
      }
      count++;
      if (size > MAX_VALUES_BYTES) {
        yield { wide: row };
        continue;
      }
      values.push(tuple);
      bytes += size;
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

/** Text values longer than this, as SQL, are built in a table of their own (wideRowStatements), and the longest always. */
const WIDE_VALUE_BYTES = 1_024;
/** Most bytes of one piece of a value, as SQL, in one statement. */
const PIECE_BYTES = 60_000;

/**
 * The statements that append one row too long for a statement to `table`: its long text values are
 * built a piece per statement in a one-row table `work` (`UPDATE … SET c = c || 'piece'`), then the
 * row is inserted from it and `work` dropped. `work` is a table, not a session's: the statements
 * may run in several batches. Each value still holds at most a VARCHAR's 65535 bytes.
 */
export function wideRowStatements(table: string, work: string, columns: readonly string[], row: readonly CellValue[]): string[] {
  const sizes = row.map((v) => (typeof v === 'string' ? Buffer.byteLength(sqlLiteral(v, 'redshift')) : 0));
  const largest = sizes.indexOf(Math.max(...sizes));
  const long = sizes.flatMap((size, i) => (size > WIDE_VALUE_BYTES || i === largest ? [i] : []));
  const built = (i: number) => quoteIdent(`c${i}`);
  const statements = [
    `CREATE TABLE ${quoteIdent(work)} (${long.map((i) => `${built(i)} VARCHAR(${MAX_TEXT_BYTES})`).join(', ')})`,
    `INSERT INTO ${quoteIdent(work)} VALUES (${long.map(() => "''").join(', ')})`,
  ];
  for (const i of long) {
    for (const piece of sqlPieces(row[i] as string)) statements.push(`UPDATE ${quoteIdent(work)} SET ${built(i)} = ${built(i)} || ${piece}`);
  }
  const select = row.map((v, i) => (long.includes(i) ? built(i) : sqlLiteral(v ?? null, 'redshift')));
  statements.push(`INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) SELECT ${select.join(', ')} FROM ${quoteIdent(work)}`);
  statements.push(`DROP TABLE ${quoteIdent(work)}`);
  return statements;
}

/** `text` as SQL literals of at most PIECE_BYTES each, whole characters, in order. */
function sqlPieces(text: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const ch of text) {
    // As a literal: quotes and backslashes doubled (sqlLiteral), UTF-8 otherwise.
    const size = ch === "'" || ch === '\\' ? 2 : Buffer.byteLength(ch);
    if (bytes + size > PIECE_BYTES) {
      pieces.push(sqlLiteral(piece, 'redshift'));
      piece = '';
      bytes = 0;
    }
    piece += ch;
    bytes += size;
  }
  if (piece.length > 0) pieces.push(sqlLiteral(piece, 'redshift'));
  return pieces;
}
