/**
 * Staging rows belong to a run: once the run is recorded completed or failed and older than the
 * retention, its rows go (sql/etl/clear_staging_expired.sql), on every engine; a run never recorded
 * (still running, or terminated mid-staging) keeps its rows, which no other run reads (they filter
 * by run_id). Failed runs' rows stayed forever: only completed runs' were cleared.
 */
import { abandonedRunStatements, unrecordedRuns } from '../src/ledger/abandonedRuns';
import { clearStagingStatements, recordFailedRunStatements } from '../src/activities/clearStaging';
import { stagingRetentionDays } from '../src/config';
import { recordUnknownRuns } from '../src/ledger/unknownRuns';
import { addedColumnStatements } from '../src/ledger/addedColumns';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { attachStagingPartitions } from './support/stagingPartitions';

const SCHEMA = ['staging_events', 'staging_songs', 'etl_tables', 'etl_file_counts', 'etl_failed_runs'];
const NOW = new Date('2018-12-01T00:00:00.000Z');

const warehouses = threeWarehousesInFile({ label: 'clear', schema: SCHEMA });

const runsWithStaging = async (warehouse: Warehouse): Promise<string[]> =>
  (await warehouse.query('SELECT DISTINCT run_id FROM staging_events UNION SELECT DISTINCT run_id FROM staging_songs ORDER BY 1')).map((r) => String(r.run_id));

test.each(['duckdb', 'postgres', 'redshift'])('%s: completed and failed runs past the retention lose their staging rows; unrecorded runs keep theirs', async (name) => {
  const warehouse = warehouses[name];
  // old: completed 10 days ago; recent: completed just now; killed: staged, never recorded;
  // failedOld: recorded failed 10 days ago; failedRecent: recorded failed just now.
  for (const run of ['old', 'recent', 'killed', 'failedOld', 'failedRecent']) {
    await attachStagingPartitions(warehouse, run);
    await warehouse.appendRows('staging_events', ['run_id', 'source_key', 'source_line', 'userid'], [[run, 'log_data/2018/11/2018-11-01-events.json', 1, '7']]);
    await warehouse.appendRows('staging_songs', ['run_id', 'source_key', 'source_line', 'song_id'], [[run, 'song_data/A/A/A/x.json', 1, 'S1']]);
    await warehouse.appendRows('etl_file_counts', ['run_id', 'kind', 'source_key', 'records'], [[run, 'events', 'log_data/2018/11/2018-11-01-events.json', 1]]);
  }
  // A run's summary clears staging where the record of failed runs does not exist yet: it creates it.
  await warehouse.execute(clearStagingStatements(warehouse.dialect, NOW, 0));
  expect(await runsWithStaging(warehouse)).toEqual(['failedOld', 'failedRecent', 'killed', 'old', 'recent']);
  await warehouse.execute([
    "INSERT INTO etl_runs (run_id, status, finished_at) VALUES ('old', 'completed', CAST('2018-11-21 00:00:00' AS TIMESTAMP))",
    "INSERT INTO etl_runs (run_id, status, finished_at) VALUES ('recent', 'completed', CAST('2018-12-01 00:00:00' AS TIMESTAMP))",
  ]);
  await warehouse.execute(recordFailedRunStatements(warehouse.dialect, 'failedOld', new Date('2018-11-21T00:00:00.000Z')));
  await warehouse.execute(recordFailedRunStatements(warehouse.dialect, 'failedRecent', NOW));
  await warehouse.execute(clearStagingStatements(warehouse.dialect, NOW, 7));
  expect(await runsWithStaging(warehouse)).toEqual(['failedRecent', 'killed', 'recent']);
  // Retention 0: a run's staging goes as it is recorded completed (or failed).
  await warehouse.execute(clearStagingStatements(warehouse.dialect, NOW, 0));
  expect(await runsWithStaging(warehouse)).toEqual(['killed']);
  expect(await warehouse.query('SELECT run_id FROM etl_file_counts')).toEqual([{ run_id: 'killed' }]);
});

test.each(['duckdb', 'postgres', 'redshift'])('%s: a run found closed without a record is recorded failed as of its close: its mark goes, its staging rows with the retention', async (name) => {
  const warehouse = warehouses[name];
  await warehouse.execute(['DELETE FROM staging_events', 'DELETE FROM staging_songs', 'DELETE FROM etl_file_counts', 'DELETE FROM etl_runs', 'DELETE FROM etl_failed_runs', 'DELETE FROM etl_run_files']);
  // terminated: listed, staged, marked, closed by Temporal; going: the same, still running; done: completed.
  for (const run of ['terminated', 'going', 'done']) {
    await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key'], [[run, 'events', 'log_data/2018/11/2018-11-01-events.json']]);
    await attachStagingPartitions(warehouse, run);
    await warehouse.appendRows('staging_events', ['run_id', 'source_key', 'source_line', 'userid'], [[run, 'log_data/2018/11/2018-11-01-events.json', 1, '7']]);
  }
  await warehouse.execute([
    "INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ('terminated', CAST('2018-11-30 12:00:00' AS TIMESTAMP)), ('going', CAST('2018-11-30 12:00:00' AS TIMESTAMP))",
    "INSERT INTO etl_runs (run_id, status, finished_at) VALUES ('done', 'completed', CAST('2018-11-30 12:00:00' AS TIMESTAMP))",
  ]);
  expect(await unrecordedRuns(warehouse, 'going')).toEqual(['terminated']);
  expect(await unrecordedRuns(warehouse, 'me')).toEqual(['going', 'terminated']);

  const closedAt = new Date('2018-11-30T23:00:00.000Z');
  const run = { runId: 'terminated', workflowId: 'sparkify-etl-2018-11-01', status: 'terminated', closedAt };
  await warehouse.execute(abandonedRunStatements(warehouse, run, 'me', NOW));
  expect(await unrecordedRuns(warehouse, 'me')).toEqual(['going']);
  expect(await warehouse.query('SELECT run_id FROM etl_publishing_runs')).toEqual([{ run_id: 'going' }]);
  expect(await warehouse.query('SELECT run_id, workflow_id, status, found_by FROM etl_abandoned_runs')).toEqual([
    { run_id: 'terminated', workflow_id: 'sparkify-etl-2018-11-01', status: 'terminated', found_by: 'me' },
  ]);
  // Closed an hour before NOW: kept with a day's retention (as the run completed 12 hours before),
  // gone with none; the running one stays.
  await warehouse.execute(clearStagingStatements(warehouse.dialect, NOW, 1));
  expect(await runsWithStaging(warehouse)).toEqual(['done', 'going', 'terminated']);
  await warehouse.execute(clearStagingStatements(warehouse.dialect, NOW, 0));
  expect(await runsWithStaging(warehouse)).toEqual(['going']);
});

test.each(['duckdb', 'postgres', 'redshift'])('%s: runs Temporal did not know are counted, each kept once with the run that found it first, until it has an outcome', async (name) => {
  const warehouse = warehouses[name];
  await warehouse.execute(['DELETE FROM etl_run_files', 'DELETE FROM etl_publishing_runs', 'DROP TABLE IF EXISTS etl_unknown_runs']);
  // lost: listed and marked; listedOnly: listed, never marked.
  await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key'], [['lost', 'events', 'a.json'], ['lost', 'events', 'b.json'], ['listedOnly', 'events', 'a.json']]);
  await warehouse.execute(["INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ('lost', CAST('2018-11-30 12:00:00' AS TIMESTAMP))"]);

  // The table is created where an older release left none.
  const first = await recordUnknownRuns(warehouse, ['lost'], 'r1', NOW);
  expect(first.foundFirst.map((r) => r.runId)).toEqual(['lost']);
  const second = await recordUnknownRuns(warehouse, ['lost', 'listedOnly'], 'r2', new Date('2018-12-01T01:00:00.000Z'));
  expect(second.foundFirst.map((r) => r.runId)).toEqual(['listedOnly']);
  expect(second.runs).toEqual([
    { runId: 'lost', firstFoundAt: '2018-12-01T00:00:00.000Z', firstFoundBy: 'r1', lastFoundAt: '2018-12-01T01:00:00.000Z', timesFound: 2 },
    { runId: 'listedOnly', firstFoundAt: '2018-12-01T01:00:00.000Z', firstFoundBy: 'r2', lastFoundAt: '2018-12-01T01:00:00.000Z', timesFound: 1 },
  ]);
  expect((await recordUnknownRuns(warehouse, ['lost'], 'r3', NOW)).foundFirst).toEqual([]);
  expect(await warehouse.query('SELECT run_id, times_found FROM etl_unknown_runs ORDER BY run_id')).toEqual([
    { run_id: 'listedOnly', times_found: 1 },
    { run_id: 'lost', times_found: 3 },
  ]);
  // listedOnly went on elsewhere and recorded itself: it is no longer waiting for an operator.
  await warehouse.execute(["INSERT INTO etl_runs (run_id, status) VALUES ('listedOnly', 'completed')"]);
  await recordUnknownRuns(warehouse, ['lost'], 'r4', NOW);
  expect(await warehouse.query('SELECT run_id, times_found FROM etl_unknown_runs ORDER BY run_id')).toEqual([{ run_id: 'lost', times_found: 4 }]);
});

test.each(['duckdb', 'postgres', 'redshift'])('%s: a run an operator states gone is recorded failed as of then, with their reason; an earlier etl_abandoned_runs gets the column', async (name) => {
  const warehouse = warehouses[name];
  // As release 2 left it: no reason column.
  await warehouse.execute([
    'DROP TABLE IF EXISTS etl_abandoned_runs',
    'CREATE TABLE etl_abandoned_runs (run_id VARCHAR(64) NOT NULL, workflow_id VARCHAR(256) NOT NULL, status VARCHAR(64) NOT NULL, closed_at TIMESTAMP, found_at TIMESTAMP, found_by VARCHAR(256))',
    "INSERT INTO etl_abandoned_runs (run_id, workflow_id, status, found_by) VALUES ('earlier', 'wf', 'terminated', 'r1')",
  ]);
  await warehouse.execute(await addedColumnStatements(warehouse, ['etl_abandoned_runs']));
  expect(await addedColumnStatements(warehouse, ['etl_abandoned_runs'])).toEqual([]);

  await warehouse.execute(['DELETE FROM etl_failed_runs', 'DELETE FROM etl_publishing_runs', 'DELETE FROM staging_events']);
  await warehouse.execute(["INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ('lost', CAST('2018-11-30 12:00:00' AS TIMESTAMP))"]);
  await attachStagingPartitions(warehouse, 'lost');
  await warehouse.appendRows('staging_events', ['run_id', 'source_key', 'source_line', 'userid'], [['lost', 'log_data/2018/11/2018-11-01-events.json', 1, '7']]);
  expect((await recordUnknownRuns(warehouse, ['lost'], 'r1', NOW)).runs.map((r) => r.runId)).toEqual(['lost']);
  const run = { runId: 'lost', workflowId: '', status: 'abandoned', closedAt: null };
  await warehouse.execute(abandonedRunStatements(warehouse, run, 'sparkify runs cleanup --abandon', NOW, "its server's disk was wiped"));
  expect(await warehouse.query('SELECT run_id, workflow_id, status, closed_at, found_by, reason FROM etl_abandoned_runs ORDER BY run_id')).toEqual([
    { run_id: 'earlier', workflow_id: 'wf', status: 'terminated', closed_at: null, found_by: 'r1', reason: null },
    { run_id: 'lost', workflow_id: '', status: 'abandoned', closed_at: null, found_by: 'sparkify runs cleanup --abandon', reason: "its server's disk was wiped" },
  ]);
  expect(await warehouse.query('SELECT run_id, CAST(failed_at AS VARCHAR) AS failed_at FROM etl_failed_runs')).toEqual([{ run_id: 'lost', failed_at: expect.stringMatching(/^2018-12-01 00:00:00/) }]);
  expect(await warehouse.query('SELECT run_id FROM etl_publishing_runs')).toEqual([]);
  expect(await warehouse.query("SELECT run_id FROM etl_unknown_runs WHERE run_id = 'lost'")).toEqual([]);
  await warehouse.execute(clearStagingStatements(warehouse.dialect, NOW, 0));
  expect(await runsWithStaging(warehouse)).toEqual([]);
});

test('the retention comes from SPARKIFY_STAGING_RETENTION_DAYS, checked', () => {
  expect(stagingRetentionDays({})).toBe(7);
  expect(stagingRetentionDays({ SPARKIFY_STAGING_RETENTION_DAYS: '0' })).toBe(0);
  expect(() => stagingRetentionDays({ SPARKIFY_STAGING_RETENTION_DAYS: 'a week' })).toThrow(/whole number of days/);
});
