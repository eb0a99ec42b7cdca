/**
 * On PostgreSQL the songplays publish first summarizes the block ranges of the plays' start-time
 * indexes (BRIN) that the runs before it left without a summary
 * (sql/postgres/summarize_play_time_ranges.sql): a scan of such an index reads every range without
 * one, so a rerun of a day right after a large load read every play in its deletes. The cluster
 * here runs without autovacuum, so nothing else summarizes a range between the two runs (with it,
 * the server's small queue of requests decides, which drops most of a large run's).
 */
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { createDatabase, startThrowawayPostgres, type PgServer } from '../src/bench/postgresServer';
import { silentLogger } from '../src/log';
import type { Warehouse } from '../src/warehouse/types';
import { SAMPLE_DIR } from './harness/temporal';
import { publishedBeforeSongplays } from './support/publishedBeforeSongplays';

/** The plays' start-time indexes and the tables they index (sql/schema/). */
const PLAY_TIME_INDEXES = { songplays_time: 'songplays', etl_songplay_names_time: 'etl_songplay_names', etl_unmatched_plays_time: 'etl_unmatched_plays' };

let pg: PgServer;
beforeAll(async () => {
  pg = await startThrowawayPostgres({ settings: ['autovacuum = off'] });
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

/** `work` with the resources of a worker whose default warehouse is `warehouseUri` and source the sample, closed after. */
async function withResources<T>(warehouseUri: string, work: (resources: Resources) => Promise<T>): Promise<T> {
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: warehouseUri, defaultSource: SAMPLE_DIR });
  try {
    return await work(resources);
  } finally {
    await resources.close();
  }
}

/** Runs every file of the sample through the songplays publish as run `runId`. */
async function publishPlays(warehouseUri: string, runId: string): Promise<void> {
  await withResources(warehouseUri, async (resources) => {
    const activities = createActivities({ resources, log: silentLogger });
    const ref = { runId, source: '', warehouse: '' };
    await publishedBeforeSongplays(activities, ref);
    await activities.loadSongplays({ ...ref, durationTolerance: 2 });
  });
}

const withWarehouse = <T>(warehouseUri: string, work: (warehouse: Warehouse) => Promise<T>): Promise<T> =>
  withResources(warehouseUri, async (resources) => work(await resources.warehouse('')));

/**
 * Pages of each indexed table; and, for each index, whether its second block range (pages 16-31)
 * had a summary, summarizing it if not. The first range has one from the start: an index built on
 * an empty table summarizes it, and each insert there widens that summary.
 */
async function secondRanges(warehouse: Warehouse): Promise<{ pages: Record<string, number>; summarizedBefore: Record<string, boolean> }> {
  const pages: Record<string, number> = {};
  const summarizedBefore: Record<string, boolean> = {};
  for (const [index, table] of Object.entries(PLAY_TIME_INDEXES)) {
    const [size] = await warehouse.query(`SELECT pg_relation_size('${table}') / 8192 AS pages`);
    pages[table] = Number(size.pages);
    // brin_summarize_range: how many ranges it summarized, 0 where the range had its summary.
    const [summarized] = await warehouse.query(`SELECT brin_summarize_range('${index}', 16) AS ranges`);
    summarizedBefore[index] = Number(summarized.ranges) === 0;
  }
  return { pages, summarizedBefore };
}

const PLAYS = 'SELECT songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent FROM songplays ORDER BY songplay_id';

describe("PostgreSQL's songplays publish, the plays' start-time ranges", () => {
  it('summarizes the ranges the run before left without a summary, and publishes the same plays', async () => {
    const uri = await createDatabase(pg.url, 'play_time_summaries');
    await publishPlays(uri, 'run-first');
    const first = await withWarehouse(uri, (warehouse) => warehouse.query(PLAYS));
    await publishPlays(uri, 'run-again');
    const { pages, summarizedBefore } = await withWarehouse(uri, secondRanges);
    // Each table has a second range of 16 pages that the first run filled, which no one but the
    // second run's publish summarized.
    for (const count of Object.values(pages)) expect(count).toBeGreaterThanOrEqual(32);
    expect(summarizedBefore).toEqual({ songplays_time: true, etl_songplay_names_time: true, etl_unmatched_plays_time: true });
    // A rerun of the same files changes no play.
    expect(await withWarehouse(uri, (warehouse) => warehouse.query(PLAYS))).toEqual(first);
  }, 240_000);

  it('leaves the first load no range to summarize, and its own ranges to the next run', async () => {
    const uri = await createDatabase(pg.url, 'play_time_first_load');
    await publishPlays(uri, 'run-first');
    const { summarizedBefore } = await withWarehouse(uri, secondRanges);
    expect(summarizedBefore).toEqual({ songplays_time: false, etl_songplay_names_time: false, etl_unmatched_plays_time: false });
  }, 240_000);
});
