/**
 * The tables a SQL file reads and writes, read from its text: enough of SQL for the files under
 * sql/ (CTEs and temporary tables are the file's own, not tables; `EXTRACT(x FROM y)` and the
 * like are not reads). Used to hold each DAG step's declared tables to the SQL it runs.
 */
import fs from 'node:fs';
import path from 'node:path';

export const SQL_DIR = path.resolve(__dirname, '../../../sql');

/** How a `{{ident:param}}` placeholder shows in the tables found: `ident__param`. */
export const IDENT_PREFIX = 'ident__';

export interface SqlTables {
  reads: string[];
  writes: string[];
}

const WRITES = [
  /\bINSERT\s+INTO\s+(\w+)/gi,
  /\bDELETE\s+FROM\s+(\w+)/gi,
  /\bUPDATE\s+(\w+)\s+SET\b/gi,
  /\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi,
  /\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)/gi,
  /\bTRUNCATE\s+(?:TABLE\s+)?(\w+)/gi,
  /\bCOPY\s+(\w+)/gi,
];
// A name followed by `(` is a table function (DuckDB's read_blob), not a table.
const READS = /\b(?:FROM|JOIN)\s+(\w+)\b(?!\s*\()/gi;
// Functions whose arguments say FROM without naming a table.
const NOT_A_TABLE_FROM = /\b(?:EXTRACT|TRIM|SUBSTRING|OVERLAY|POSITION)\s*\(([^()]|\([^()]*\))*?\bFROM\b/gi;
const LOCAL = [
  /\bCREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi,
  /(?:\bWITH(?:\s+RECURSIVE)?|,)\s*(\w+)\s+AS\s+(?:NOT\s+)?(?:MATERIALIZED\s*)?\(/gi,
];
const DROP = /\bDROP\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?(\w+)/gi;

function names(text: string, patterns: RegExp[]): Set<string> {
  const found = new Set<string>();
  for (const p of patterns) for (const m of text.matchAll(p)) found.add(m[1].toLowerCase());
  return found;
}

/** The tables a SQL text reads and writes, sorted, and the temporary tables and views it creates. */
export function sqlTables(sql: string): SqlTables & { temporary: string[] } {
  const text = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    // A table or column the caller names: kept as `ident__<param>`, for the caller to resolve.
    .replace(/\{\{\s*ident:([a-z_]+)\s*\}\}/g, (_m, param: string) => `${IDENT_PREFIX}${param}`)
    // A publish's scratch tables: TEMP, or (DuckDB, PostgreSQL) tables that live only inside the publish's transaction.
    .replace(/\{\{\s*publish_(?:lookup_)?table\s*\}\}/g, 'TEMP TABLE')
    .replace(/\{\{[^}]*\}\}/g, 'NULL');
  const local = names(text, LOCAL);
  const temporary = names(text, LOCAL.slice(0, 1));
  const writes = names(text, [...WRITES, DROP]);
  const readText = text.replace(/\bDELETE\s+FROM\s+\w+/gi, ' ').replace(NOT_A_TABLE_FROM, ' ');
  const reads = new Set([...readText.matchAll(READS)].map((m) => m[1].toLowerCase()));
  for (const name of local) {
    reads.delete(name);
    writes.delete(name);
  }
  return { reads: [...reads].sort(), writes: [...writes].sort(), temporary: [...temporary].sort() };
}

/** The tables `sql/<name>.sql` reads and writes. */
export function sqlFileTables(name: string): SqlTables & { temporary: string[] } {
  return sqlTables(fs.readFileSync(path.join(SQL_DIR, `${name}.sql`), 'utf8'));
}
