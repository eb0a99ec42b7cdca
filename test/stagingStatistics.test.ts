/**
 * A PostgreSQL run's staging of events ends with an ANALYZE of its own partition of staging_events,
 * and of the whole table only when the table's statistics no longer stand for it
 * (src/staging/stagingStatistics.ts): an ANALYZE of the partitioned table samples every retained
 * partition again. Seen in pg_class: the whole table's reltuples are its rows at its last whole
 * ANALYZE, a partition's its rows at its last own one. The listing's file lists, appended in
 * batches, are analyzed once, after the last.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { listRunFiles } from '../src/activities/runFileList';
import { stageFromClient } from '../src/activities/staging';
import { silentLogger } from '../src/log';
import { LocalSource, type Source, type SourceObject } from '../src/source';
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

test('a listing in batches gathers the file lists\' statistics once, after its last batch, not after each', async () => {
  const url = await createTestDatabase(pg.url, 'listing_statistics');
  await createActivities({ resources: new Resources({ s3: {}, log: silentLogger, defaultWarehouse: url, defaultSource: SAMPLE_DIR }), log: silentLogger }).createSchema({ warehouse: url });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-listing-statistics-'));
  const SONGS = 120;
  const BATCH = 50;
  for (let i = 0; i < SONGS; i++) {
    const file = path.join(root, 'song_data', 'A', 'B', String.fromCharCode(65 + (i % 3)), `TR${String(i).padStart(4, '0')}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{}');
  }
  const w = new PostgresWarehouse(url);
  const reltuples = async (): Promise<number> => Number((await w.query(`SELECT reltuples FROM pg_class WHERE oid = to_regclass('etl_run_files')`))[0].reltuples);
  try {
    const before = await reltuples();
    // Each batch is recorded before the next file is listed: what pg_class says as each later batch starts.
    const seenBetweenBatches: number[] = [];
    const local = new LocalSource(root);
    const source: Source = Object.assign(Object.create(local) as Source, {
      async *list(prefix: string): AsyncIterable<SourceObject> {
        let listed = 0;
        for await (const obj of local.list(prefix)) {
          if (listed > 0 && listed % BATCH === 0) seenBetweenBatches.push(await reltuples());
          listed++;
          yield obj;
        }
      },
    });
    const listed = await listRunFiles({ source, warehouse: w, runId: 'r-listed', window: null, part: 'songs', batchFiles: BATCH });
    expect(listed.songFiles).toBe(SONGS);
    expect(seenBetweenBatches).toEqual([before, before]);
    expect(await reltuples()).toBe(SONGS);
  } finally {
    await w.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}, 120_000);
