/**
 * On PostgreSQL, staging_events has a partition per run and no index finds a file's rows, so the
 * staging-delete rule (sql/staging/clear_staged.sql) read every retained run's partition, whatever
 * files it held. Now, for event logs, it names the runs whose partitions can hold its rows: the
 * run's own and the completed runs that listed the same logs
 * (sql/staging/postgres/clear_staged_in_runs.sql). The same rows go as by the shared rule, and the
 * plan names no other run's partition. Song files keep the shared rule (staging_songs is one table).
 */
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import { clearStagingStatements, clearStagingStatementsOn } from '../src/staging/stagingSql';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { attachStagingPartitionStatements, stagingEventsPartition } from '../src/warehouse/stagingPartitions';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR } from './harness/temporal';

let server: PgServer;

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
});

const log = (date: string) => `log_data/2018/11/2018-11-${date}-events.json`;

/** Each run's status (none: still going), the logs it listed, and the rows it staged per log. */
const RUNS: Array<{ run: string; status: string | null; staged: Record<string, number> }> = [
  { run: 'load', status: 'completed', staged: { [log('01')]: 3, [log('02')]: 2 } },
  { run: 'other', status: 'completed', staged: { [log('03')]: 2 } },
  { run: 'failed', status: 'failed', staged: { [log('01')]: 1 } },
  // The run that stages: a retried attempt's row of its own, and two logs, one the load listed.
  { run: 'night', status: null, staged: { [log('01')]: 1, [log('04')]: 0 } },
];

async function warehouseWithRuns(label: string, runs = RUNS): Promise<PostgresWarehouse> {
  const url = await createTestDatabase(server.url, label);
  await createActivities({ resources: new Resources({ s3: {}, log: silentLogger, defaultWarehouse: url, defaultSource: SAMPLE_DIR }), log: silentLogger }).createSchema({ warehouse: url });
  const warehouse = new PostgresWarehouse(url);
  for (const { run, status, staged } of runs) {
    if (status) await warehouse.appendRows('etl_runs', ['run_id', 'status'], [[run, status]]);
    await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], Object.keys(staged).map((key) => [run, 'events', key, 'e', 1]));
    await warehouse.execute(attachStagingPartitionStatements(warehouse, run));
    const rows = Object.entries(staged).flatMap(([key, n]) => Array.from({ length: n }, (_, i) => [run, key, i + 1, '7', 'NextSong']));
    if (rows.length > 0) await warehouse.appendRows('staging_events', ['run_id', 'source_key', 'source_line', 'userid', 'page'], rows);
  }
  return warehouse;
}

const stagedRows = async (warehouse: PostgresWarehouse) =>
  (await warehouse.query('SELECT run_id, source_key, COUNT(*) AS n FROM staging_events GROUP BY run_id, source_key ORDER BY run_id, source_key')).map((r) => `${r.run_id} ${r.source_key} ${r.n}`);

/** The runs whose partitions of staging_events the statement's plan reads. */
async function partitionsPlanned(warehouse: PostgresWarehouse, statement: string): Promise<string[]> {
  const plan = (await warehouse.query(`EXPLAIN ${statement}`)).map((r) => String(r['QUERY PLAN'])).join('\n');
  return RUNS.map((r) => r.run).filter((run) => plan.includes(stagingEventsPartition(run)));
}

test("the staging delete reads only the partitions of the run and of the completed runs that listed its files, and deletes what the shared rule deletes", async () => {
  const named = await warehouseWithRuns('delete_in_runs');
  const shared = await warehouseWithRuns('delete_shared');
  try {
    const statements = await clearStagingStatementsOn(named, 'night', 'events');
    expect(await clearStagingStatementsOn(named, 'night', 'songs')).toEqual(clearStagingStatements('postgres', 'night', 'songs'));
    // The shared rule reads every run's partition; this one the run's own and the load's.
    expect(await partitionsPlanned(shared, clearStagingStatements('postgres', 'night', 'events')[0])).toEqual(['load', 'other', 'failed', 'night']);
    expect(await partitionsPlanned(named, statements[0])).toEqual(['load', 'night']);

    await named.execute(statements);
    await shared.execute(clearStagingStatements('postgres', 'night', 'events'));
    const left = await stagedRows(named);
    expect(left).toEqual(await stagedRows(shared));
    // The load's rows of the log the night re-stages go, and the night's own; the rest stay (a
    // failed run's rows too: it may be another run still going, until recorded).
    expect(left).toEqual([`failed ${log('01')} 1`, `load ${log('02')} 2`, `other ${log('03')} 2`]);
  } finally {
    await Promise.all([named.close(), shared.close()]);
  }
});

test('a night whose logs no completed run listed reads its own partition alone', async () => {
  const runs = RUNS.map((r) => (r.run === 'night' ? { ...r, staged: { [log('04')]: 1 } } : r));
  const warehouse = await warehouseWithRuns('delete_new_night', runs);
  try {
    const statements = await clearStagingStatementsOn(warehouse, 'night', 'events');
    expect(await partitionsPlanned(warehouse, statements[0])).toEqual(['night']);
    await warehouse.execute(statements);
    expect(await stagedRows(warehouse)).toEqual([`failed ${log('01')} 1`, `load ${log('01')} 3`, `load ${log('02')} 2`, `other ${log('03')} 2`]);
  } finally {
    await warehouse.close();
  }
});
