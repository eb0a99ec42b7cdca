import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { sqlStatements, type SqlName } from '../../src/warehouse/sql';

/** An in-memory DuckDB database with the given schema files run, for tests of one transform's SQL. */
export interface InMemoryDuckDb {
  db: DuckDBConnection;
  /** A query's rows as JSON-ready objects (BIGINTs as strings). */
  rows: (sql: string) => Promise<Record<string, unknown>[]>;
  close: () => void;
}

export async function inMemoryDuckDb(schema: readonly SqlName[]): Promise<InMemoryDuckDb> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  for (const s of schema.flatMap((name) => sqlStatements(name, 'duckdb'))) await db.run(s);
  return {
    db,
    rows: async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJson(),
    close: () => {
      db.closeSync();
      instance.closeSync();
    },
  };
}
