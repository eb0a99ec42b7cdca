import { Client } from 'pg';
import { publishTransform, usersDays } from '../src/activities/publishActivities';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { attachStagingPartitions } from './support/stagingPartitions';

/**
 * The dimension publishes break ties between variants of one song, artist or user by comparing
 * text. PostgreSQL compares by the database's collation, and most databases are created with a
 * language's (en_US.UTF-8), where "abba" sorts before "ABBA"; DuckDB compares bytes. The test
 * clusters use the C locale, so a database of its own with ICU's en-US collation stands for them:
 * every engine must keep the same variants, those byte order picks.
 */
let pg: PgServer;
const warehouses: Record<string, Warehouse> = {};

beforeAll(async () => {
  pg = await startPostgres();
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  try {
    await admin.query('DROP DATABASE IF EXISTS collation_icu');
    await admin.query("CREATE DATABASE collation_icu TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'");
  } finally {
    await admin.end();
  }
  const icu = new URL(pg.url);
  icu.pathname = '/collation_icu';
  warehouses.duckdb = await DuckDbWarehouse.open(':memory:');
  warehouses['postgres (C)'] = new PostgresWarehouse(await createTestDatabase(pg.url, 'collation_c'));
  warehouses['postgres (ICU en-US)'] = new PostgresWarehouse(icu.toString());
  for (const warehouse of Object.values(warehouses)) {
    await warehouse.execute(SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect)));
  }
});
afterAll(async () => {
  for (const warehouse of Object.values(warehouses)) await warehouse.close();
  await pg?.stop();
});

const RUN = 'collation';
const SONG_COLUMNS = ['run_id', 'source_key', 'source_line', 'artist_id', 'artist_location', 'artist_name', 'song_id', 'title', 'duration', 'year'];
const EVENT_COLUMNS = ['run_id', 'source_key', 'source_line', 'userid', 'sessionid', 'iteminsession', 'ts', 'page', 'level', 'firstname', 'lastname', 'gender'];
const TS = Date.parse('2018-11-01T10:00:00Z');

async function publishVariants(warehouse: Warehouse): Promise<unknown> {
  // One song and artist in two files, differing in case only; one user's two events at one instant.
  await warehouse.appendRows('staging_songs', SONG_COLUMNS, [
    [RUN, 'song_data/Z/Z/Z/TRZZZ1.json', 1, 'ARCASE', 'Stockholm', 'abba', 'SOCASE', 'thunder', 200.5, 1980],
    [RUN, 'song_data/Z/Z/Z/TRZZZ2.json', 1, 'ARCASE', 'Stockholm', 'ABBA', 'SOCASE', 'Thunder', 200.5, 1980],
  ]);
  await attachStagingPartitions(warehouse, RUN);
  await warehouse.appendRows('staging_events', EVENT_COLUMNS, [
    [RUN, 'log_data/2018/11/2018-11-01-events.json', 1, '5', 1, 1, TS, 'NextSong', 'free', 'abc', 'smith', 'F'],
    [RUN, 'log_data/2018/11/2018-11-01-events.json', 2, '5', 1, 1, TS, 'NextSong', 'free', 'ABD', 'Smith', 'F'],
  ]);
  const params = { run_id: RUN, ...usersDays(['2018-11-01']), duration_tolerance: 2, key_built_after: false, copies_counted: true };
  for (const step of ['loadSongs', 'loadArtists', 'loadUsers'] as const) {
    await warehouse.execute(sqlStatements(publishTransform(step, warehouse.dialect), warehouse.dialect, params));
  }
  return {
    songs: await warehouse.query('SELECT song_id, title FROM songs'),
    artists: await warehouse.query('SELECT artist_id, name FROM artists'),
    users: await warehouse.query('SELECT user_id, first_name, last_name FROM users'),
  };
}

test('every engine keeps the variant byte order picks, whatever the database collation', async () => {
  const kept: Record<string, unknown> = {};
  for (const [name, warehouse] of Object.entries(warehouses)) kept[name] = await publishVariants(warehouse);
  const byteOrder = {
    songs: [{ song_id: 'SOCASE', title: 'Thunder' }],
    artists: [{ artist_id: 'ARCASE', name: 'ABBA' }],
    users: [{ user_id: 5, first_name: 'ABD', last_name: 'Smith' }],
  };
  expect(kept).toEqual({ duckdb: byteOrder, 'postgres (C)': byteOrder, 'postgres (ICU en-US)': byteOrder });
});
