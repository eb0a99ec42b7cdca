/**
 * On PostgreSQL the songplays publish writes the plays in the order the run's staging has them, so
 * by start time, even while another scan of that staging is under way
 * (sql/postgres/publish_scan_from_start.sql). With synchronized scans, a scan of a table over a
 * quarter of shared_buffers starts where another one is: the publish's pass began mid-staging and
 * wrapped around, and PostgreSQL, which costs a scan of the plays' start-time indexes (BRIN) by how
 * start_time follows the table's order, then read every play for a day's deletes and reports. The
 * cluster here has 1 MB of shared_buffers, so that the sample's staging (some 3 MB) is such a table,
 * and a cursor holds a scan of it half read while the plays are published, as the time and users
 * publishes and the level changes read it beside the songplays publish in a run.
 */
import { Client } from 'pg';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { createDatabase, startThrowawayPostgres, type PgServer } from '../src/bench/postgresServer';
import { silentLogger } from '../src/log';
import { SAMPLE_DIR } from './harness/temporal';
import { publishedBeforeSongplays } from './support/publishedBeforeSongplays';

let pg: PgServer;
beforeAll(async () => {
  pg = await startThrowawayPostgres({ settings: ['shared_buffers = 1MB', 'autovacuum = off'] });
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

/** How a table's rows in their physical order follow start_time: Pearson's correlation of the two, 1 when in order. */
async function startTimeOrder(client: Client, table: string): Promise<number> {
  const { rows } = await client.query(
    `SELECT corr(n, EXTRACT(EPOCH FROM start_time)) AS c FROM (SELECT row_number() OVER (ORDER BY ctid) AS n, start_time FROM ${table}) AS t`,
  );
  return Number(rows[0].c);
}

it("PostgreSQL's songplays publish writes the plays in staging's order while another scan of staging is half done", async () => {
  const uri = await createDatabase(pg.url, 'play_time_order');
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: uri, defaultSource: SAMPLE_DIR });
  const reader = new Client({ connectionString: uri });
  await reader.connect();
  try {
    const activities = createActivities({ resources, log: silentLogger });
    const ref = { runId: 'run-first', source: '', warehouse: '' };
    await publishedBeforeSongplays(activities, ref);
    // The run's staging, larger than a quarter of shared_buffers, read half way by another session.
    const { rows: sizes } = await reader.query(
      "SELECT pg_relation_size(inhrelid) AS bytes, (SELECT COUNT(*) FROM staging_events WHERE run_id = 'run-first') AS events FROM pg_inherits WHERE inhparent = 'staging_events'::regclass",
    );
    expect(sizes).toHaveLength(1);
    expect(Number(sizes[0].bytes)).toBeGreaterThan(1024 * 1024);
    await reader.query('BEGIN');
    await reader.query("DECLARE half_read CURSOR FOR SELECT * FROM staging_events WHERE run_id = 'run-first'");
    await reader.query(`FETCH ${Math.floor(Number(sizes[0].events) / 2)} FROM half_read`);

    await activities.loadSongplays({ ...ref, durationTolerance: 2 });
    await reader.query('COMMIT');

    const client = new Client({ connectionString: uri });
    await client.connect();
    try {
      const [{ plays }] = (await client.query('SELECT COUNT(*) AS plays FROM songplays')).rows;
      expect(Number(plays)).toBeGreaterThan(6_000);
      const orders = { songplays: await startTimeOrder(client, 'songplays'), etl_songplay_names: await startTimeOrder(client, 'etl_songplay_names') };
      // The tables (with their correlation) whose plays are not in start-time order.
      expect(Object.entries(orders).filter(([, order]) => !(order > 0.95))).toEqual([]);
    } finally {
      await client.end();
    }
  } finally {
    await reader.end();
    await resources.close();
  }
}, 240_000);
