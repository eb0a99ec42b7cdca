/**
 * A PostgreSQL run's staging of events ends with an ANALYZE of its own partition of staging_events,
 * and of the whole table only when the table's statistics no longer stand for it
 * (src/staging/stagingStatistics.ts): an ANALYZE of the partitioned table samples every retained
 * partition again. Seen in pg_class: the whole table's reltuples are its rows at its last whole
 * ANALYZE, a partition's its rows at its last own one.
 */
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { listRunFiles } from '../src/activities/runFileList';
import { stageFromClient } from '../src/activities/staging';
import { silentLogger } from '../src/log';
import { LocalSource } from '../src/source';
import { listedKeysOf } from '../src/staging/listedKeys';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { stagingEventsPartition } from '../src/warehouse/stagingPartitions';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR } from './harness/temporal';

let pg: PgServer;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

test('a run adding a few percent of the rows analyzes its partition only; one that changes the table by more than a fifth, the whole table', async () => {
  const url = await createTestDatabase(pg.url, 'staging_statistics');
  await createActivities({ resources: new Resources({ s3: {}, log: silentLogger, defaultWarehouse: url, defaultSource: SAMPLE_DIR }), log: silentLogger }).createSchema({ warehouse: url });
  const w = new PostgresWarehouse(url);
  const source = new LocalSource(SAMPLE_DIR);
  const stage = async (runId: string, from: string, to: string): Promise<number> => {
    await listRunFiles({ source, warehouse: w, runId, window: { from, to }, part: 'events' });
    const keys = (await w.query(`SELECT source_key FROM etl_run_files WHERE run_id = '${runId}' AND kind = 'events' ORDER BY source_key`)).map((r) => String(r.source_key));
    const staged = await stageFromClient({ runId, kind: 'events', keys: listedKeysOf(keys), source, warehouse: w });
    return staged.recordsStaged;
  };
  const reltuples = async (table: string): Promise<number> => Number((await w.query(`SELECT reltuples FROM pg_class WHERE oid = to_regclass('${table}')`))[0].reltuples);
  try {
    // The first run: the table has no statistics yet, so it is analyzed whole.
    const first = await stage('r-first', '2018-11-01', '2018-11-20');
    expect(await reltuples('staging_events')).toBe(first);
    expect(await reltuples(stagingEventsPartition('r-first'))).toBe(first);

    // A day after it, a few percent more rows: its partition only. The whole table's statistics
    // are still those of the first run's rows.
    const night = await stage('r-night', '2018-11-21', '2018-11-21');
    expect(night).toBeGreaterThan(0);
    expect(night).toBeLessThan(0.2 * first);
    expect(await reltuples(stagingEventsPartition('r-night'))).toBe(night);
    expect(await reltuples('staging_events')).toBe(first);
    // Its attempt again (a retry restages its rows): the same.
    expect(await stage('r-night', '2018-11-21', '2018-11-21')).toBe(night);
    expect(await reltuples(stagingEventsPartition('r-night'))).toBe(night);
    expect(await reltuples('staging_events')).toBe(first);

    // Nine more days, more than a fifth of the rows the statistics were gathered from: all of it.
    const rest = await stage('r-rest', '2018-11-22', '2018-11-30');
    expect(first + night + rest - first).toBeGreaterThan(0.2 * first);
    expect(await reltuples('staging_events')).toBe(first + night + rest);
    expect(await reltuples(stagingEventsPartition('r-rest'))).toBe(rest);
  } finally {
    await w.close();
  }
}, 120_000);
