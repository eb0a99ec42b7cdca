/**
 * Staging holds a pooled PostgreSQL connection for its COPY's transaction and, inside it, streams
 * the run's file list (Warehouse.queryChunks). Eight stagings at once (a backfill of four dates,
 * each staging events and songs) took every connection of the pool, so none could read its file
 * list: the backfill waited for ever. They must all finish.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listedKeys } from '../src/activities/ledger';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { LocalSource } from '../src/source';
import { stageInWarehouse } from '../src/staging/stageInWarehouse';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { sqlStatements } from '../src/warehouse/sql';
import { goodSong } from './support/badInputCorpus';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';

/** The connections a PostgresWarehouse pool holds (src/warehouse/postgres.ts). */
const POOL_SIZE = 8;
const SONGS_PER_RUN = 3;
/** Longer than any of these stagings takes when nothing waits: a wait for ever shows as this. */
const HUNG_MS = 60_000;

let pg: PgServer;
let songDir: string;

beforeAll(async () => {
  pg = await startPostgres();
  songDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-pool-staging-'));
  fs.mkdirSync(path.join(songDir, 'song_data', 'A', 'B', 'C'), { recursive: true });
  for (let i = 0; i < POOL_SIZE * SONGS_PER_RUN; i++) {
    const id = `TRPOOL${String(i).padStart(6, '0')}`;
    fs.writeFileSync(path.join(songDir, 'song_data', 'A', 'B', 'C', `${id}.json`), JSON.stringify(goodSong(id)));
  }
});

afterAll(async () => {
  await pg?.stop();
  if (songDir) fs.rmSync(songDir, { recursive: true, force: true });
});

test('as many stagings at once as the pool has connections all finish, each reading its file list', async () => {
  const warehouse = new PostgresWarehouse(await createTestDatabase(pg.url, 'pool_staging'));
  const runs = Array.from({ length: POOL_SIZE }, (_, run) => `run-${run}`);
  let waiting = false;
  try {
    await warehouse.execute(SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect)));
    await warehouse.execute(
      runs.map(
        (runId, run) =>
          `INSERT INTO etl_run_files (run_id, kind, source_key, size) SELECT '${runId}', 'songs', 'song_data/A/B/C/TRPOOL' || lpad(CAST(${run * SONGS_PER_RUN} + i AS VARCHAR), 6, '0') || '.json', 100 FROM generate_series(0, ${SONGS_PER_RUN - 1}) AS t(i)`,
      ),
    );
    const source = new LocalSource(songDir);
    // Each staging's transaction starts with a pause, as a slow fence or clear would: by its end
    // every staging holds its connection before any reads its file list.
    const stagings = runs.map(async (runId) => {
      const keys = await listedKeys(warehouse, runId, 'songs');
      return stageInWarehouse({ runId, kind: 'songs', keys, source, warehouse, fence: ['SELECT pg_sleep(1)'], heartbeat: () => undefined });
    });
    let hung: NodeJS.Timeout | undefined;
    const results = await Promise.race([
      Promise.all(stagings),
      new Promise<never>((_, reject) => {
        hung = setTimeout(() => {
          waiting = true;
          reject(new Error(`${POOL_SIZE} stagings at once did not finish in ${HUNG_MS / 1000} s: they wait for connections`));
        }, HUNG_MS);
      }),
    ]).finally(() => clearTimeout(hung));
    for (const result of results) expect(result).toMatchObject({ files: SONGS_PER_RUN, recordsStaged: SONGS_PER_RUN, recordsRejected: 0 });
    const [staged] = await warehouse.query('SELECT COUNT(DISTINCT run_id) AS runs, COUNT(*) AS songs FROM staging_songs');
    expect(staged).toEqual({ runs: POOL_SIZE, songs: POOL_SIZE * SONGS_PER_RUN });
  } finally {
    // A pool whose connections wait for ever would never close.
    if (waiting) void warehouse.close();
    else await warehouse.close();
  }
});
