/**
 * `sparkify runs list` reads the runs' bookkeeping only (src/ledger/runListing.ts): the same
 * listing from the same rows on DuckDB, PostgreSQL and Redshift (the emulator), each state shown.
 * Temporal's part is test/runsList.test.ts's.
 */
import { abandonedRunStatements } from '../src/ledger/abandonedRuns';
import { recordFailedRunStatements } from '../src/ledger/failedRuns';
import { listRuns } from '../src/ledger/runListing';
import { recordUnknownRuns } from '../src/ledger/unknownRuns';
import { withUnreachableTemporal } from './support/runsWithoutOutcome';
import { threeWarehousesInFile } from './support/threeWarehouses';

const warehouses = threeWarehousesInFile({ label: 'runslist', schema: ['etl_tables', 'etl_failed_runs', 'etl_abandoned_runs', 'etl_unknown_runs'] });

const LOG = (date: string) => `log_data/${date.slice(0, 4)}/${date.slice(5, 7)}/${date}-events.json`;

test.each(['duckdb', 'postgres', 'redshift'])('%s: completed, failed and abandoned runs newest first, then the runs with no outcome, each with its dates', async (name) => {
  const warehouse = warehouses[name];
  const d = warehouse.dialect;
  await warehouse.execute([
    "INSERT INTO etl_runs (run_id, window_start, window_end, status, started_at, finished_at) VALUES ('done-old', '2018-11-01', '2018-11-01', 'completed', CAST('2018-11-30 10:00:00' AS TIMESTAMP), CAST('2018-11-30 10:05:00' AS TIMESTAMP))",
    "INSERT INTO etl_runs (run_id, window_start, window_end, status, started_at, finished_at) VALUES ('done-new', '2018-11-02', '2018-11-03', 'completed', CAST('2018-11-30 14:00:00' AS TIMESTAMP), CAST('2018-11-30 14:05:00' AS TIMESTAMP))",
  ]);
  for (const [run, date] of [['failed-own', '2018-11-04'], ['going', '2018-11-05'], ['listed-only', '2018-11-06'], ['unknown', '2018-11-07']]) {
    await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key'], [[run, 'events', LOG(date)]]);
  }
  await warehouse.execute([
    ...recordFailedRunStatements(d, 'failed-own', new Date('2018-11-30T11:00:00.000Z')),
    ...abandonedRunStatements(warehouse, { runId: 'terminated', workflowId: 'sparkify-etl-2018-11-08', status: 'terminated', closedAt: new Date('2018-11-30T12:00:00.000Z') }, 'done-new', new Date('2018-11-30T14:00:00.000Z')),
    ...abandonedRunStatements(warehouse, { runId: 'gone', workflowId: '', status: 'abandoned', closedAt: null }, 'sparkify runs cleanup --abandon', new Date('2018-11-30T13:00:00.000Z'), 'disk wiped'),
    "INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ('going', CAST('2018-11-30 15:00:00' AS TIMESTAMP)), ('unknown', CAST('2018-11-29 15:00:00' AS TIMESTAMP))",
  ]);
  await recordUnknownRuns(warehouse, ['unknown'], 'done-new', new Date('2018-11-30T14:00:00.000Z'));

  const listing = await listRuns(warehouse, { limit: 20 });
  expect(listing).toEqual({
    warehouse: warehouse.description,
    recorded: [
      { runId: 'done-new', outcome: 'completed', window: { from: '2018-11-02', to: '2018-11-03' }, startedAt: '2018-11-30T14:00:00.000Z', finishedAt: '2018-11-30T14:05:00.000Z' },
      { runId: 'gone', outcome: 'abandoned', window: null, startedAt: null, finishedAt: '2018-11-30T13:00:00.000Z', workflowId: '', status: 'abandoned', reason: 'disk wiped', foundBy: 'sparkify runs cleanup --abandon', foundAt: '2018-11-30T13:00:00.000Z' },
      { runId: 'terminated', outcome: 'abandoned', window: { from: '2018-11-08', to: '2018-11-08' }, startedAt: null, finishedAt: '2018-11-30T12:00:00.000Z', workflowId: 'sparkify-etl-2018-11-08', status: 'terminated', reason: null, foundBy: 'done-new', foundAt: '2018-11-30T14:00:00.000Z' },
      { runId: 'failed-own', outcome: 'failed', window: { from: '2018-11-04', to: '2018-11-04' }, startedAt: null, finishedAt: '2018-11-30T11:00:00.000Z' },
      { runId: 'done-old', outcome: 'completed', window: { from: '2018-11-01', to: '2018-11-01' }, startedAt: '2018-11-30T10:00:00.000Z', finishedAt: '2018-11-30T10:05:00.000Z' },
    ],
    unrecorded: [
      { runId: 'going', window: { from: '2018-11-05', to: '2018-11-05' }, publishingSince: '2018-11-30T15:00:00.000Z', temporal: 'not asked' },
      { runId: 'listed-only', window: { from: '2018-11-06', to: '2018-11-06' }, publishingSince: null, temporal: 'not asked' },
      {
        runId: 'unknown',
        window: { from: '2018-11-07', to: '2018-11-07' },
        publishingSince: '2018-11-29T15:00:00.000Z',
        temporal: 'not asked',
        foundUnknown: { firstFoundAt: '2018-11-30T14:00:00.000Z', firstFoundBy: 'done-new', lastFoundAt: '2018-11-30T14:00:00.000Z', timesFound: 1 },
      },
    ],
    unrecordedTotal: 3,
    temporalAsked: false,
    notes: [],
  });

  // --limit: the newest with an outcome, and as many without one, their total said.
  const two = await listRuns(warehouse, { limit: 2 });
  expect(two.recorded.map((r) => r.runId)).toEqual(['done-new', 'gone']);
  expect(two.unrecorded.map((r) => r.runId)).toEqual(['going', 'listed-only']);
  expect(two.unrecordedTotal).toBe(3);
});

test('Temporal given but not answering: the runs with no outcome are listed as not asked, and why', async () => {
  await withUnreachableTemporal(async (warehouse, client) => {
    const listing = await listRuns(warehouse, { limit: 20, client });
    expect(listing).toMatchObject({ unrecordedTotal: 1, temporalAsked: false, temporalError: expect.any(String) });
    expect(listing.unrecorded).toEqual([{ runId: 'gone', window: null, publishingSince: '2018-11-30T12:00:00.000Z', temporal: 'not asked' }]);
  });
}, 60_000);

// A run id as Temporal makes them: 36 characters, 40 bytes a time its statements name it.
const runIdOf = (kind: string, i: number) => `${kind === 'failed' ? 'f' : 'u'}1b2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}`;

test.each(['duckdb', 'postgres', 'redshift'])(
  '%s: thousands of runs are counted and listed, each with its dates (on Redshift in statements that fit its 100 KB)',
  async (name) => {
    const warehouse = warehouses[name];
    await warehouse.execute(['etl_runs', 'etl_run_files', 'etl_publishing_runs', 'etl_failed_runs', 'etl_abandoned_runs', 'etl_unknown_runs'].map((t) => `DELETE FROM ${t}`));
    const dateOf = (i: number) => `2018-11-${String((i % 30) + 1).padStart(2, '0')}`;
    const unrecorded = Array.from({ length: 2_600 }, (_, i) => runIdOf('unrecorded', i));
    const failed = Array.from({ length: 1_200 }, (_, i) => runIdOf('failed', i));
    await warehouse.appendRows(
      'etl_run_files',
      ['run_id', 'kind', 'source_key'],
      [...unrecorded, ...failed].map((id, i) => [id, 'events', LOG(dateOf(i))]),
    );
    await warehouse.execute(["INSERT INTO etl_failed_runs (run_id, failed_at) SELECT run_id, CAST('2018-11-30 11:00:00' AS TIMESTAMP) FROM etl_run_files WHERE run_id LIKE 'f%'"]);

    // Each run of these statements would name thousands of run ids, up to three times (2,600 × 40 × 3 bytes).
    const counted = await recordUnknownRuns(warehouse, unrecorded, 'finder', new Date('2018-11-30T14:00:00.000Z'));
    expect(counted.runs).toHaveLength(unrecorded.length);
    expect(counted.foundFirst).toHaveLength(unrecorded.length);
    const again = await recordUnknownRuns(warehouse, unrecorded, 'later', new Date('2018-11-30T15:00:00.000Z'));
    expect(again.foundFirst).toEqual([]);
    expect(new Set(again.runs.map((r) => r.timesFound))).toEqual(new Set([2]));

    const listing = await listRuns(warehouse, { limit: 5_000 });
    expect(listing.recorded.map((r) => r.runId).sort()).toEqual([...failed].sort());
    expect(listing.recorded.find((r) => r.runId === failed[5])).toEqual({ runId: failed[5], outcome: 'failed', window: { from: dateOf(unrecorded.length + 5), to: dateOf(unrecorded.length + 5) }, startedAt: null, finishedAt: '2018-11-30T11:00:00.000Z' });
    expect(listing.unrecordedTotal).toBe(unrecorded.length);
    expect(listing.unrecorded.map((r) => r.runId)).toEqual(unrecorded);
    expect(listing.unrecorded[2_599]).toEqual({
      runId: unrecorded[2_599],
      window: { from: dateOf(2_599), to: dateOf(2_599) },
      publishingSince: null,
      temporal: 'not asked',
      foundUnknown: { firstFoundAt: '2018-11-30T14:00:00.000Z', firstFoundBy: 'finder', lastFoundAt: '2018-11-30T15:00:00.000Z', timesFound: 2 },
    });
  },
  180_000,
);

test(
  "redshift: 18,000 runs Temporal does not know are counted in transactions that each fit one of the Data API's batches (40 statements)",
  async () => {
    const warehouse = warehouses.redshift;
    await warehouse.execute(['etl_runs', 'etl_run_files', 'etl_publishing_runs', 'etl_failed_runs', 'etl_abandoned_runs', 'etl_unknown_runs'].map((t) => `DELETE FROM ${t}`));
    const unrecorded = Array.from({ length: 18_000 }, (_, i) => runIdOf('unrecorded', i));
    await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key'], unrecorded.map((id) => [id, 'events', LOG('2018-11-30')]));
    // Some of them found before: counted again, and the rest added, in the same parts.
    await recordUnknownRuns(warehouse, unrecorded.slice(0, 1_000), 'earlier', new Date('2018-11-30T13:00:00.000Z'));

    const counted = await recordUnknownRuns(warehouse, unrecorded, 'finder', new Date('2018-11-30T14:00:00.000Z'));
    expect(counted.runs).toHaveLength(unrecorded.length);
    expect(counted.foundFirst.map((r) => r.runId).sort()).toEqual(unrecorded.slice(1_000).sort());
    const byRun = new Map(counted.runs.map((r) => [r.runId, r]));
    expect(byRun.get(unrecorded[999])).toEqual({ runId: unrecorded[999], firstFoundAt: '2018-11-30T13:00:00.000Z', firstFoundBy: 'earlier', lastFoundAt: '2018-11-30T14:00:00.000Z', timesFound: 2 });
    expect(byRun.get(unrecorded[17_999])).toEqual({ runId: unrecorded[17_999], firstFoundAt: '2018-11-30T14:00:00.000Z', firstFoundBy: 'finder', lastFoundAt: '2018-11-30T14:00:00.000Z', timesFound: 1 });
    expect(counted.runs.filter((r) => r.timesFound === 2)).toHaveLength(1_000);
  },
  300_000,
);
