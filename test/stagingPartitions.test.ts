/**
 * staging_events on PostgreSQL has a partition per run (src/warehouse/stagingPartitions.ts): a run
 * stages into its own, attached before it stages; the retention empties an expired run's in the
 * run record's transaction and then detaches and drops it, never waiting long on another run's
 * readers; createSchema moves a schema version 2 warehouse's single table into partitions.
 */
import pg from 'pg';
import { createActivities } from '../src/activities';
import { clearStagingStatements } from '../src/activities/clearStaging';
import { Resources } from '../src/activities/resources';
import { SCHEMA_VERSION } from '../src/etl/versions';
import { silentLogger } from '../src/log';
import { floorSchema } from '../src/bench/floor';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { sqlStatements } from '../src/warehouse/sql';
import { attachStagingPartitionStatements, dropExpiredStagingPartitions, PARTITION_DROP_LOCK_TIMEOUT_MS, stagingEventsPartition } from '../src/warehouse/stagingPartitions';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR } from './harness/temporal';

let server: PgServer;

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
});

const NOW = new Date('2018-12-01T00:00:00.000Z');
const CUTOFF_NOW = '2018-12-01 00:00:00';
const LOG = 'log_data/2018/11/2018-11-01-events.json';

/** A fresh database and the schema as createSchema makes it, through the activity. */
async function freshWarehouse(label: string): Promise<{ url: string; warehouse: PostgresWarehouse }> {
  const url = await createTestDatabase(server.url, label);
  await createActivities({ resources: new Resources({ s3: {}, log: silentLogger, defaultWarehouse: url, defaultSource: SAMPLE_DIR }), log: silentLogger }).createSchema({ warehouse: url });
  return { url, warehouse: new PostgresWarehouse(url) };
}

/** staging_events' partitions, each with the value it holds and its row count. */
async function partitions(warehouse: PostgresWarehouse): Promise<Array<{ partition: string; bound: string; rows: number }>> {
  const rows = await warehouse.query(
    "SELECT c.relname AS partition, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'staging_events'::regclass ORDER BY 1",
  );
  const found = [];
  for (const row of rows) {
    const count = await warehouse.query(`SELECT COUNT(*) AS n FROM "${String(row.partition)}"`);
    found.push({ partition: String(row.partition), bound: String(row.bound), rows: Number(count[0].n) });
  }
  return found;
}

const tablesNamed = async (warehouse: PostgresWarehouse, like: string) =>
  (await warehouse.query(`SELECT relname FROM pg_class WHERE relname LIKE '${like}' ORDER BY 1`)).map((r) => String(r.relname));

async function stageByHand(warehouse: PostgresWarehouse, runId: string, events: number): Promise<void> {
  await warehouse.execute(attachStagingPartitionStatements(warehouse, runId));
  const rows = Array.from({ length: events }, (_, i) => [runId, LOG, i + 1, '7', 'NextSong']);
  await warehouse.appendRows('staging_events', ['run_id', 'source_key', 'source_line', 'userid', 'page'], rows);
}

test("a run's events go into a partition of its own, attached once however often its staging is retried, with no index to keep up", async () => {
  const { warehouse } = await freshWarehouse('partitions');
  try {
    expect(await warehouse.query("SELECT relkind FROM pg_class WHERE relname = 'staging_events'")).toEqual([{ relkind: 'p' }]);
    // Staging without its partition fails: the partition is what takes the rows.
    await expect(warehouse.appendRows('staging_events', ['run_id', 'source_key', 'source_line'], [['nobody', LOG, 1]])).rejects.toThrow(/no partition/);

    await stageByHand(warehouse, 'run-a', 3);
    await stageByHand(warehouse, "run-b's ünïcode", 2);
    // A retried attempt attaches nothing new.
    await warehouse.execute(attachStagingPartitionStatements(warehouse, 'run-a'));
    expect(await partitions(warehouse)).toEqual(
      [
        { partition: stagingEventsPartition('run-a'), bound: "FOR VALUES IN ('run-a')", rows: 3 },
        { partition: stagingEventsPartition("run-b's ünïcode"), bound: "FOR VALUES IN ('run-b''s ünïcode')", rows: 2 },
      ].sort((x, y) => x.partition.localeCompare(y.partition)),
    );
    expect(await warehouse.query("SELECT indexrelid::regclass::text AS index FROM pg_index WHERE indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'staging_events'::regclass)")).toEqual([]);
    // A run's statements read its partition alone (pruned by the run id they are written with).
    const plan = (await warehouse.query("EXPLAIN (FORMAT JSON) SELECT COUNT(*) FROM staging_events WHERE run_id = 'run-a'"))[0]['QUERY PLAN'];
    expect(JSON.stringify(plan).match(/"Relation Name":"([^"]+)"/g)).toEqual([`"Relation Name":"${stagingEventsPartition('run-a')}"`]);
  } finally {
    await warehouse.close();
  }
});

test("the retention empties an expired run's partition with the run record and then drops it; other runs keep theirs", async () => {
  const { warehouse } = await freshWarehouse('retention');
  try {
    for (const [run, events] of [['old', 3], ['failedOld', 2], ['recent', 4], ['killed', 1]] as const) await stageByHand(warehouse, run, events);
    await warehouse.execute([
      "INSERT INTO etl_runs (run_id, status, finished_at) VALUES ('old', 'completed', CAST('2018-11-21 00:00:00' AS TIMESTAMP)), ('recent', 'completed', CAST('2018-11-30 12:00:00' AS TIMESTAMP))",
      "INSERT INTO etl_failed_runs (run_id, failed_at) VALUES ('failedOld', CAST('2018-11-21 00:00:00' AS TIMESTAMP))",
    ]);
    // In the record's transaction: emptied, still attached (a reader of all staging sees their rows go at once).
    await warehouse.execute(clearStagingStatements('postgres', NOW, 7));
    const byRun = async () => Object.fromEntries((await partitions(warehouse)).map((p) => [p.bound.replace(/^FOR VALUES IN \('(.*)'\)$/, '$1'), p.rows]));
    expect(await byRun()).toEqual({ old: 0, failedOld: 0, recent: 4, killed: 1 });
    expect(await warehouse.query('SELECT run_id, COUNT(*) AS n FROM staging_events GROUP BY run_id ORDER BY run_id')).toEqual([
      { run_id: 'killed', n: 1 },
      { run_id: 'recent', n: 4 },
    ]);

    // After it: detached and dropped.
    const drops = await dropExpiredStagingPartitions(warehouse, '2018-11-24 00:00:00');
    expect(drops).toEqual({ dropped: [stagingEventsPartition('old'), stagingEventsPartition('failedOld')].sort(), left: [] });
    expect(await byRun()).toEqual({ recent: 4, killed: 1 });
    expect(await tablesNamed(warehouse, 'staging_events_%')).toEqual([stagingEventsPartition('recent'), stagingEventsPartition('killed')].sort());
    // Nothing more to drop: a second pass finds none.
    expect(await dropExpiredStagingPartitions(warehouse, '2018-11-24 00:00:00')).toEqual({ dropped: [], left: [] });
    // Retention 0: the recent run goes too, the unrecorded one stays.
    await warehouse.execute(clearStagingStatements('postgres', NOW, 0));
    expect((await dropExpiredStagingPartitions(warehouse, CUTOFF_NOW)).dropped).toEqual([stagingEventsPartition('recent')]);
    expect(await byRun()).toEqual({ killed: 1 });
  } finally {
    await warehouse.close();
  }
});

test("a partition another run's open transaction still reads is left, and dropped by a later run once it ended", async () => {
  const { url, warehouse } = await freshWarehouse('retentionwait');
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  try {
    await stageByHand(warehouse, 'old', 2);
    await stageByHand(warehouse, 'older', 1);
    await stageByHand(warehouse, 'going', 2);
    await warehouse.execute([
      "INSERT INTO etl_runs (run_id, status, finished_at) VALUES ('old', 'completed', CAST('2018-11-21 00:00:00' AS TIMESTAMP)), ('older', 'completed', CAST('2018-11-20 00:00:00' AS TIMESTAMP))",
    ]);
    // The drops go in partition name order; whichever comes first is held up, and the other is then not tried.
    const [first, second] = [stagingEventsPartition('old'), stagingEventsPartition('older')].sort();
    await warehouse.execute(clearStagingStatements('postgres', NOW, 7));
    // Another run's report reads all retained staging in an open transaction (the level changes do).
    await reader.query('BEGIN');
    await reader.query('SELECT COUNT(*) FROM staging_events');
    const started = Date.now();
    const drops = await dropExpiredStagingPartitions(warehouse, '2018-11-24 00:00:00');
    const waited = Date.now() - started;
    expect(drops.dropped).toEqual([]);
    expect(drops.left).toEqual([
      { partition: first, reason: expect.stringMatching(/lock timeout/) },
      { partition: second, reason: `not tried: dropping ${first} did not succeed first` },
    ]);
    // It waited for the reader, up to the bound, then gave up (not a timed assertion of speed: a bound on a wait).
    expect(waited).toBeGreaterThanOrEqual(PARTITION_DROP_LOCK_TIMEOUT_MS * 0.9);
    // The reader was not held up, and still reads.
    expect((await reader.query("SELECT COUNT(*) AS n FROM staging_events WHERE run_id = 'going'")).rows).toEqual([{ n: '2' }]);
    await reader.query('COMMIT');
    // The next run's record drops it, whatever state the interrupted detach left it in.
    expect(await dropExpiredStagingPartitions(warehouse, '2018-11-24 00:00:00')).toEqual({ dropped: [first, second], left: [] });
    expect(await tablesNamed(warehouse, 'staging_events_%')).toEqual([stagingEventsPartition('going')]);
  } finally {
    await reader.end();
    await warehouse.close();
  }
});

test('createSchema moves the staged rows of a schema version 2 warehouse, one table for every run, into a partition per run', async () => {
  const url = await createTestDatabase(server.url, 'upgrade');
  const warehouse = new PostgresWarehouse(url);
  try {
    // As a release of schema version 2 built it: staging_events one table, with its index on run_id.
    const plain = floorSchema('postgres').filter((s) => /CREATE TABLE IF NOT EXISTS staging_events\b/.test(s));
    expect(plain).toHaveLength(1);
    await warehouse.execute([...plain, 'CREATE INDEX staging_events_run ON staging_events (run_id)']);
    await warehouse.execute(sqlStatements('schema/etl_versions', 'postgres'));
    await warehouse.execute(sqlStatements('etl/record_schema_version', 'postgres', { schema_version: 2, recorded_at: '2018-11-30 00:00:00' }));
    const staged = [
      ['nightly', LOG, 1, '7', 'NextSong', 'paid'],
      ['nightly', LOG, 2, '8', 'Home', null],
      ["it's going", LOG, 1, '9', 'NextSong', 'free'],
    ];
    await warehouse.appendRows('staging_events', ['run_id', 'source_key', 'source_line', 'userid', 'page', 'level'], staged);
    const before = await warehouse.query('SELECT * FROM staging_events ORDER BY run_id, source_line');

    const activities = createActivities({ resources: new Resources({ s3: {}, log: silentLogger, defaultWarehouse: url, defaultSource: SAMPLE_DIR }), log: silentLogger });
    await activities.createSchema({ warehouse: url });
    expect(await warehouse.query("SELECT relkind FROM pg_class WHERE relname = 'staging_events'")).toEqual([{ relkind: 'p' }]);
    expect(await tablesNamed(warehouse, 'staging_events%')).toEqual(['staging_events', stagingEventsPartition("it's going"), stagingEventsPartition('nightly')].sort());
    expect((await partitions(warehouse)).map((p) => [p.partition, p.rows])).toEqual(
      [
        [stagingEventsPartition('nightly'), 2],
        [stagingEventsPartition("it's going"), 1],
      ].sort(),
    );
    expect(await warehouse.query('SELECT * FROM staging_events ORDER BY run_id, source_line')).toEqual(before);
    expect(await warehouse.query("SELECT relname FROM pg_class WHERE relname IN ('staging_events_run', 'staging_events_unpartitioned')")).toEqual([]);
    expect(await warehouse.query('SELECT MAX(schema_version) AS version FROM etl_schema_version')).toEqual([{ version: SCHEMA_VERSION }]);
    // A run still going when the warehouse was upgraded stages on into its partition; createSchema again changes nothing.
    await stageByHand(warehouse, "it's going", 1);
    await activities.createSchema({ warehouse: url });
    expect((await partitions(warehouse)).map((p) => p.rows)).toEqual([2, 2]);
  } finally {
    await warehouse.close();
  }
});
