import { createDatabase, pgBinDir, startThrowawayPostgres, type PgServer } from '../../src/bench/postgresServer';

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
