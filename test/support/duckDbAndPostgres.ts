/**
 * DuckDB (in memory) and PostgreSQL (a throwaway cluster, a database per call), as describe.each
 * rows of name and opener: for tests that run the same statements on both engines and compare
 * each with a definition. Registers the cluster's start and stop with the calling file's hooks.
 */
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { PostgresWarehouse } from '../../src/warehouse/postgres';
import type { Warehouse } from '../../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from '../harness/postgres';

export function duckDbAndPostgres(database: string): Array<[string, () => Promise<Warehouse>]> {
  let pg: PgServer | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });
  return [
    ['DuckDB', async () => DuckDbWarehouse.open(':memory:')],
    [
      'PostgreSQL',
      async () => {
        if (!pg) throw new Error('PostgreSQL is not started: open a warehouse inside a test');
        return new PostgresWarehouse(await createTestDatabase(pg.url, database));
      },
    ],
  ];
}
