/**
 * The songplays publish commits on PostgreSQL, and the connection is lost before the worker hears
 * it: the commit happened (songplays, its names and the load ledger), and the step fails as if it
 * had not. Its retry publishes again, and the run must end exactly as a run without the loss: the
 * same star tables, each listed file once in the ledger. A proxy cuts the connection at that point
 * every time (support/pgConnectionCutter.ts); the fault suite's restarts land there only by chance.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { startConnectionCutter, type ConnectionCutter } from './support/pgConnectionCutter';
import { dumpStarTables } from './support/tables';

const WINDOW = { from: '2018-11-05', to: '2018-11-06' };

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

let temporal: TestTemporal;
let pg: PgServer;
let cutter: ConnectionCutter;
const warehouses: PostgresWarehouse[] = [];

beforeAll(async () => {
  [temporal, pg] = await Promise.all([startTestTemporal(), startPostgres()]);
  cutter = await startConnectionCutter(await createTestDatabase(pg.url, 'ambiguous_commit'));
});

afterAll(async () => {
  for (const w of warehouses) await w.close();
  await cutter?.stop();
  await temporal?.stop();
  await pg?.stop();
});

function open(url: string): PostgresWarehouse {
  const warehouse = new PostgresWarehouse(url);
  warehouses.push(warehouse);
  return warehouse;
}

/** The highest attempt of each started activity of `type` in a run's history. */
function attemptsOf(events: readonly HistoryEvent[], type: string): number {
  const ours = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).map((e) => String(e.eventId)));
  return Math.max(0, ...events.map((e) => e.activityTaskStartedEventAttributes).filter((s) => s && ours.has(String(s.scheduledEventId))).map((s) => s!.attempt ?? 1));
}

test('a songplays publish committed unheard is published again by its retry, and the run ends as one without the loss', async () => {
  const cleanUrl = await createTestDatabase(pg.url, 'ambiguous_clean');
  const w = await temporal.worker({ source: SAMPLE_DIR });

  const { clean, handle } = await w.during(async () => {
    const clean = await (await w.start({ source: SAMPLE_DIR, warehouse: cleanUrl, window: WINDOW })).result();
    cutter.arm('afterLedgerCommit');
    const handle = await w.start({ source: SAMPLE_DIR, warehouse: cutter.url, window: WINDOW });
    await handle.result();
    return { clean, handle };
  });

  expect(cutter.cuts).toBe(1);
  const events = (await handle.fetchHistory()).events ?? [];
  expect(attemptsOf(events, 'loadSongplays')).toBe(2);
  const summary = await handle.result();
  expect(summary.tables).toEqual(clean.tables);
  expect(summary.matches).toEqual(clean.matches);

  const cut = open(cutter.url);
  expect(await dumpStarTables(cut)).toEqual(await dumpStarTables(open(cleanUrl)));
  const ledger = await cut.query('SELECT source_key, COUNT(*) AS n FROM etl_load_ledger GROUP BY source_key ORDER BY source_key');
  const listed = await cut.query(`SELECT COUNT(DISTINCT source_key) AS n FROM etl_run_files WHERE run_id = '${summary.runId}'`);
  expect(ledger.length).toBe(Number(listed[0].n));
  expect(ledger.filter((row) => Number(row.n) !== 1)).toEqual([]);
});
