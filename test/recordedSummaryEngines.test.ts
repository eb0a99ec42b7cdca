/**
 * etl_runs keeps the widest summary the pipeline makes on every engine (src/etl/recordedSummary.ts):
 * the statements summarizeRun runs (recordRunStatements) store it within Redshift's
 * VARCHAR(65535), and the summary as a whole is refused there. On Redshift the row is read back by
 * length and digest: the Data API returns at most 64 KB a row.
 */
import { createHash } from 'node:crypto';
import { recordRunStatements } from '../src/activities/reportActivities';
import { recordedSummary } from '../src/etl/recordedSummary';
import { sqlStatements } from '../src/warehouse/sql';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { widestSummary } from './support/widestSummary';

const warehouses = threeWarehousesInFile({ label: 'runsummary', schema: ['etl_tables'] });

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

describe.each(['duckdb', 'postgres', 'redshift'])('%s', (engine) => {
  test('the widest summary is recorded, its samples cut to fit, once per run', async () => {
    const warehouse = warehouses[engine];
    const summary = widestSummary(`run-${engine}`);
    const expected = recordedSummary(summary).json;
    expect(expected).not.toBe(JSON.stringify(summary));

    // Twice, as a retried summarizeRun would: the row is replaced.
    for (let attempt = 0; attempt < 2; attempt++) await warehouse.execute(recordRunStatements(warehouse.dialect, summary, Date.UTC(2018, 10, 30)));
    const bytes = warehouse.dialect === 'duckdb' ? 'STRLEN(summary)' : 'OCTET_LENGTH(summary)';
    const rows = await warehouse.query(
      `SELECT ${bytes} AS bytes, MD5(summary) AS digest, source, window_start, window_end, finished_at FROM etl_runs WHERE run_id = 'run-${engine}'`,
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].bytes)).toBe(Buffer.byteLength(expected));
    expect(rows[0].digest).toBe(md5(expected));
    expect([rows[0].source, rows[0].window_start, rows[0].window_end]).toEqual([summary.source, '2018-11-01', '2018-11-30']);
    expect(String(rows[0].finished_at)).toMatch(/^2018-11-30[ T]00:00:12\.345/);
  });
});

// As one statement it is over the Data API's 100 KB; within that, it would be over VARCHAR(65535).
test('on Redshift the whole summary cannot be recorded', async () => {
  const warehouse = warehouses.redshift;
  const summary = widestSummary('run-whole');
  const statements = sqlStatements('etl/record_run', warehouse.dialect, {
    run_id: summary.runId, window_start: null, window_end: null, source: summary.source,
    started_at: '2018-11-30 00:00:00.000', finished_at: '2018-11-30 00:00:12.345', summary: JSON.stringify(summary),
  });
  await expect(warehouse.execute(statements)).rejects.toThrow(/larger than 100kB|value too long/);
});
