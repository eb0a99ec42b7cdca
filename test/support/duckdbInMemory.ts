import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { sqlStatements, type SqlName } from '../../src/warehouse/sql';

/** The database of the running test: statements run on it, and a query's rows as JSON-ready objects (BIGINTs as strings). */
export interface TestDuckDb {
  run: (sql: string) => Promise<void>;
  rows: (sql: string) => Promise<Record<string, unknown>[]>;
}

/**
 * A fresh in-memory DuckDB database for each test of the enclosing block, with the given schema
 * files run and then `setup`; closed after the test. For tests of one transform's SQL.
 */
export function inMemoryDuckDbPerTest(schema: readonly SqlName[], setup?: (db: TestDuckDb) => Promise<void>): TestDuckDb {
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  const current = (): DuckDBConnection => {
    if (connection === undefined) throw new Error('the in-memory DuckDB database is open only while a test runs');
    return connection;
  };
  const db: TestDuckDb = {
    run: async (sql) => {
      await current().run(sql);
    },
    rows: async (sql) => (await current().runAndReadAll(sql)).getRowObjectsJson(),
  };
  beforeEach(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    for (const s of schema.flatMap((name) => sqlStatements(name, 'duckdb'))) await connection.run(s);
    await setup?.(db);
  });
  afterEach(() => {
    connection?.closeSync();
    instance?.closeSync();
    connection = undefined;
    instance = undefined;
  });
  return db;
}
