/**
 * A step's transaction commits on PostgreSQL, and the connection is lost before the worker hears
 * it: the commit happened, and the step fails as if it had not. Its retry must leave the warehouse
 * exactly as a run without the loss: the same star tables and match statistics, no staging row
 * twice, each listed file once in the load ledger. A proxy cuts the connection at that point every
 * time (support/pgConnectionCutter.ts); the fault suite's restarts land there only by chance.
 */
import type { RunSummary } from '../src/etl/types';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { activityOutcome } from './harness/activityHistory';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { startConnectionCutter, type ConnectionCutter } from './support/pgConnectionCutter';
import { dumpStarTables, type StarDump } from './support/tables';

const WINDOW = { from: '2018-11-05', to: '2018-11-06' };

let temporal: TestTemporal;
let pg: PgServer;
const cutters: ConnectionCutter[] = [];
const warehouses: PostgresWarehouse[] = [];
let clean: { summary: RunSummary; star: StarDump };

function open(url: string): PostgresWarehouse {
  const warehouse = new PostgresWarehouse(url);
  warehouses.push(warehouse);
  return warehouse;
}

beforeAll(async () => {
  [temporal, pg] = await Promise.all([startTestTemporal(), startPostgres()]);
  const url = await createTestDatabase(pg.url, 'ambiguous_clean');
  const summary = await (await temporal.worker({ source: SAMPLE_DIR })).run({ source: SAMPLE_DIR, warehouse: url, window: WINDOW });
  clean = { summary, star: await dumpStarTables(open(url)) };
});

afterAll(async () => {
  for (const w of warehouses) await w.close();
  for (const c of cutters) await c.stop();
  await temporal?.stop();
  await pg?.stop();
});

test.each([
  ['stageEvents', /COPY "staging_events"/],
  ['stageSongs', /COPY "staging_songs"/],
  ['loadUsers', /INSERT INTO users/],
  ['loadSongplays', /INSERT INTO etl_load_ledger/],
])('%s committed unheard: its retry leaves the warehouse as a run without the loss', async (step, statement) => {
  const cutter = await startConnectionCutter(await createTestDatabase(pg.url, 'ambiguous_commit'));
  cutters.push(cutter);
  const w = await temporal.worker({ source: SAMPLE_DIR });

  cutter.arm({ afterCommitOf: statement });
  const { summary, handle } = await w.during(async () => {
    const handle = await w.start({ source: SAMPLE_DIR, warehouse: cutter.url, window: WINDOW });
    return { summary: await handle.result(), handle };
  });

  expect(cutter.cuts).toBe(1);
  const scheduled = ((await handle.fetchHistory()).events ?? []).find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === step);
  expect((await activityOutcome(handle, String(scheduled?.activityTaskScheduledEventAttributes?.activityId))).lastAttempt).toBe(2);
  expect(summary.tables).toEqual(clean.summary.tables);
  expect(summary.matches).toEqual(clean.summary.matches);
  const cut = open(cutter.url);
  expect(await dumpStarTables(cut)).toEqual(clean.star);
  const [staged] = await cut.query(
    `SELECT (SELECT COUNT(*) FROM staging_events WHERE run_id = '${summary.runId}') AS events, (SELECT COUNT(*) FROM staging_songs WHERE run_id = '${summary.runId}') AS songs`,
  );
  expect({ events: Number(staged.events), songs: Number(staged.songs) }).toEqual({ events: clean.summary.staging.events.recordsStaged, songs: clean.summary.staging.songs.recordsStaged });
  const ledger = await cut.query('SELECT source_key, COUNT(*) AS n FROM etl_load_ledger GROUP BY source_key');
  expect(ledger.length).toBe(summary.files.events + summary.files.songs);
  expect(ledger.filter((row) => Number(row.n) !== 1)).toEqual([]);
});
