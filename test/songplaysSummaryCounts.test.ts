import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import type { StatementOptions } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { publishedBeforeSongplays } from './support/publishedBeforeSongplays';
import { SAMPLE_DIR } from './harness/temporal';

// loadSongplays asks for its summary's counts (the run's match statistics, its plays without a
// user) beside its late matches, not after them: they read what the publish committed and the run's
// staging, nothing the late matches write (src/activities/publishActivities.ts).
let pg: PgServer;
let resources: Resources;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await resources?.close();
  await pg?.stop();
});

test("loadSongplays asks for its summary's counts while its late matches run, and reports them", async () => {
  resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: await createTestDatabase(pg.url, 'summary_counts'), defaultSource: SAMPLE_DIR });
  const activities = createActivities({ resources, log: silentLogger });
  const ref = { runId: 'run-summary-counts', source: '', warehouse: '' };
  await publishedBeforeSongplays(activities, ref);

  const warehouse = await resources.warehouse('');
  const countsAskedAt: number[] = [];
  let lateMatchesDoneAt: number | undefined;
  const query = warehouse.query.bind(warehouse);
  warehouse.query = (sql: string, options?: StatementOptions) => {
    if (/FROM etl_match_stats|plays_without_user/.test(sql)) countsAskedAt.push(performance.now());
    return query(sql, options);
  };
  const execute = warehouse.execute.bind(warehouse);
  warehouse.execute = async (statements: string | readonly string[], options?: StatementOptions) => {
    await execute(statements, options);
    if ((typeof statements === 'string' ? [statements] : statements).some((sql) => /CREATE TEMP TABLE rematch_plays AS/.test(sql))) lateMatchesDoneAt = performance.now();
  };

  const stats = await activities.loadSongplays({ ...ref, durationTolerance: 2 });
  expect(countsAskedAt).toHaveLength(2);
  expect(lateMatchesDoneAt).toBeDefined();
  for (const askedAt of countsAskedAt) expect(askedAt).toBeLessThan(lateMatchesDoneAt!);

  // What it reports is what the warehouse holds once the run is published.
  const [{ plays }] = await query('SELECT COUNT(*) AS plays FROM songplays');
  const [{ without_user }] = await query(
    `SELECT COUNT(*) AS without_user FROM staging_events WHERE run_id = '${ref.runId}' AND page = 'NextSong' AND (userid IS NULL OR TRIM(userid) = '')`,
  );
  expect(stats.plays).toBe(Number(plays));
  expect(stats.plays).toBeGreaterThan(0);
  expect(stats.playsWithoutUser).toBe(Number(without_user));
}, 180_000);
