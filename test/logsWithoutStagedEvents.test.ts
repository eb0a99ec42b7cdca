/**
 * sql/staging/logs_without_staged_events.sql on every engine: the run's event logs that had
 * records rejected and none staged, where staging rows name their file and, for a Redshift COPY
 * of several files (rows without a file), by the per-file counts of etl_file_counts.
 */
import { sqlStatement } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { attachStagingPartitions } from './support/stagingPartitions';

const SCHEMA = ['staging_events', 'etl_tables', 'etl_file_counts'];
const LOG = (day: string) => `log_data/2018/11/2018-11-${day}-events.json`;

const warehouses = threeWarehousesInFile({ label: 'unstagedlogs', schema: SCHEMA });

async function logsWithoutStagedEvents(warehouse: Warehouse, runId: string) {
  const rows = await warehouse.query(sqlStatement('staging/logs_without_staged_events', warehouse.dialect, { run_id: runId }));
  return rows.map((r) => ({
    key: r.source_key,
    rejects: Number(r.rejects),
    line: Number(r.first_line),
    reason: r.first_reason,
    size: Number(r.size),
    runBytes: Number(r.run_bytes),
  }));
}

test('names each log with rejects and nothing staged, by staging rows or by per-file counts, on every engine', async () => {
  for (const [engine, warehouse] of Object.entries(warehouses)) {
    const run = `run-${engine}`;
    await attachStagingPartitions(warehouse, run);
    await warehouse.execute([
      `INSERT INTO etl_run_files (run_id, kind, source_key, size) VALUES
         ('${run}', 'events', '${LOG('01')}', 100), ('${run}', 'events', '${LOG('02')}', 2000), ('${run}', 'events', '${LOG('03')}', 300),
         ('${run}', 'events', '${LOG('04')}', 40), ('${run}', 'events', '${LOG('05')}', 5)`,
      // 01: staged and one reject; 02: one reject (a JSON array), nothing staged; 03: clean;
      // 04: two rejects, nothing staged; 05: staged without a file, counted per file (Redshift).
      `INSERT INTO staging_events (run_id, source_key, source_line, page) VALUES
         ('${run}', '${LOG('01')}', 1, 'NextSong'), ('${run}', '${LOG('03')}', 1, 'Home'), ('${run}', NULL, NULL, 'Home')`,
      `INSERT INTO etl_file_counts (run_id, kind, source_key, records) VALUES ('${run}', 'events', '${LOG('05')}', 1)`,
      `INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason) VALUES
         ('${run}', 'events', '${LOG('01')}', 2, 'not a JSON object'),
         ('${run}', 'events', '${LOG('02')}', 1, 'not a JSON object'),
         ('${run}', 'events', '${LOG('04')}', 3, 'field "ts" is missing'),
         ('${run}', 'events', '${LOG('04')}', 2, 'not valid JSON'),
         ('${run}', 'events', '${LOG('05')}', 4, 'not valid JSON'),
         ('${run}', 'events', NULL, NULL, 'field "userId" should be digits or empty'),
         ('other-run', 'events', '${LOG('03')}', 1, 'not valid JSON')`,
    ]);
    expect({ engine, logs: await logsWithoutStagedEvents(warehouse, run) }).toEqual({
      engine,
      logs: [
        { key: LOG('02'), rejects: 1, line: 1, reason: 'not a JSON object', size: 2000, runBytes: 2445 },
        { key: LOG('04'), rejects: 2, line: 2, reason: 'not valid JSON', size: 40, runBytes: 2445 },
      ],
    });
    expect(await logsWithoutStagedEvents(warehouse, 'a-run-without-rejects')).toEqual([]);
  }
});
