import { createDatabase, pgBinDir, startThrowawayPostgres, type PgServer } from '../../src/bench/postgresServer';
import { PostgresWarehouse } from '../../src/warehouse/postgres';
import { withOpenedWarehouse } from './openedWarehouse';

export { pgBinDir, type PgServer };

/**
 * A throwaway PostgreSQL cluster on a free loopback port, or the server in SPARKIFY_TEST_PG_URL
 * (then stop() leaves it running). Throws when the binaries are missing: tests never skip silently.
 */
export async function startPostgres(): Promise<PgServer> {
  const external = process.env.SPARKIFY_TEST_PG_URL;
  if (external !== undefined && external !== '') {
    return { url: external, stop: async () => undefined };
  }
  return startThrowawayPostgres();
}

/** Creates `<prefix>_<random hex>` on the server and returns a URL pointing at it. */
export const createTestDatabase = createDatabase;

/**
 * startPostgres for a whole test file: started before its first test, stopped after its last.
 * Call it at the file's top level; the function it returns gives the server inside a test.
 */
export function usePostgresServer(): () => PgServer {
  let pg: PgServer | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });
  return () => {
    if (!pg) throw new Error('the PostgreSQL server is asked for outside a test (usePostgresServer)');
    return pg;
  };
}

/** `work` with a PostgresWarehouse on `url`, closed after it. */
export function withPostgresWarehouse<T>(url: string, work: (warehouse: PostgresWarehouse) => Promise<T>): Promise<T> {
  return withOpenedWarehouse(() => new PostgresWarehouse(url), work);
}
