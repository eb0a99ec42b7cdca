/**
 * etl_runs.report_error: why a completed run's insights report was not written. A run whose report
 * failed completed with the reason in its result only, and etl_runs (and the next report's
 * Operations section, which reads it) showed a plain completed run.
 * The column is added in place by createSchema to a warehouse release 2 built (no schema version
 * bump: it is informative, see docs/operations.md), on each engine: DuckDB, PostgreSQL and
 * Redshift (the emulator).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { REPORT_ERROR_CHARS } from '../src/activities/reportActivities';
import { Resources } from '../src/activities/resources';
import { SCHEMA_VERSION } from '../src/etl/versions';
import { buildInsights, renderHtml, type InsightData } from '../src/insights';
import { silentLogger } from '../src/log';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, type S3Server } from './harness/s3';
import { SPARKIFY_BIN } from './support/cli';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';

/** etl_runs as release 2 created it (sql/schema/etl_tables.sql before report_error). */
const RELEASE_2_ETL_RUNS = (text: string) =>
  `CREATE TABLE etl_runs (run_id ${text} NOT NULL, window_start ${text}, window_end ${text}, source ${text}, status ${text}, ` +
  `started_at TIMESTAMP, finished_at TIMESTAMP, summary ${text})`;

const EARLIER_RUN =
  "INSERT INTO etl_runs (run_id, window_start, window_end, source, status, started_at, finished_at, summary) VALUES ('run-before', '2018-11-01', '2018-11-01', 'src', 'completed', CAST('2026-12-01 02:00:00' AS TIMESTAMP), CAST('2026-12-01 02:05:00' AS TIMESTAMP), '{}')";

let tmp: string;
let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator;
const uris: Record<string, string> = {};

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-report-error-'));
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'report_error_rs'), s3: s3.settings });
  uris.duckdb = `duckdb:${path.join(tmp, 'w.duckdb')}`;
  uris.postgres = await createTestDatabase(pg.url, 'report_error_pg');
  uris.redshift = `redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${emulator.endpoint}`;
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const TEXT = { duckdb: 'VARCHAR', postgres: 'TEXT', redshift: 'VARCHAR(65535)' } as const;

/** The built CLI, run asynchronously (the Redshift emulator answers from this process). */
function sparkify(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' };
  return new Promise((resolve) => {
    execFile(process.execPath, [SPARKIFY_BIN, ...args], { encoding: 'utf8', timeout: 120_000, env }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe.each(['duckdb', 'postgres', 'redshift'] as const)('on %s', (engine) => {
  test("recordReportError adds the column itself when the run's createSchema ran under release 2 (a worker upgraded mid-run)", async () => {
    const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: uris[engine].replace(/\.duckdb$/, '-midrun.duckdb') });
    try {
      const warehouse = await resources.warehouse('');
      await warehouse.execute([RELEASE_2_ETL_RUNS(TEXT[engine]), EARLIER_RUN]);
      await createActivities({ resources, log: silentLogger }).recordReportError({ runId: 'run-before', source: '', warehouse: '', reportError: 'ENOSPC' });
      expect(await warehouse.query('SELECT run_id, report_error FROM etl_runs')).toEqual([{ run_id: 'run-before', report_error: 'ENOSPC' }]);
      await warehouse.execute(['DROP TABLE etl_runs']);
    } finally {
      await resources.close();
    }
  }, 120_000);

  test('createSchema adds report_error to the etl_runs of a release-2 warehouse, keeping its runs; a report error is recorded on its run, capped', async () => {
    const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: uris[engine] });
    try {
      const activities = createActivities({ resources, log: silentLogger });
      const warehouse = await resources.warehouse('');
      // As release 2 left it: its etl_runs, a run recorded, schema version 2.
      await warehouse.execute([RELEASE_2_ETL_RUNS(TEXT[engine]), EARLIER_RUN]);
      await activities.createSchema({ warehouse: '' });
      expect(await warehouse.query('SELECT schema_version FROM etl_schema_version')).toEqual([{ schema_version: SCHEMA_VERSION }]);
      // The run already there is marked not recorded ('' , not NULL: NULL reads as written).
      expect(await warehouse.query('SELECT run_id, status, report_error FROM etl_runs')).toEqual([{ run_id: 'run-before', status: 'completed', report_error: '' }]);
      await warehouse.execute([EARLIER_RUN.replace("'run-before'", "'run-after'").replace(/2026-12-01 02:0/g, '2026-12-02 02:0')]);
      const beforeRecording = (await buildInsights(warehouse, null)).data.operations.runs;
      expect(beforeRecording).toEqual([
        expect.objectContaining({ runId: 'run-before', reportError: null, reportRecorded: false }),
        expect.objectContaining({ runId: 'run-after', reportError: null, reportRecorded: true }),
      ]);

      // The next run's createSchema finds the column there and adds nothing.
      await activities.createSchema({ warehouse: '' });
      const long = `cannot write the run's report to /reports: ${'x'.repeat(3 * REPORT_ERROR_CHARS)}`;
      await activities.recordReportError({ runId: 'run-before', source: '', warehouse: '', reportError: long });
      const [{ report_error: recorded }] = await warehouse.query("SELECT report_error FROM etl_runs WHERE run_id = 'run-before'");
      expect(Array.from(String(recorded))).toHaveLength(REPORT_ERROR_CHARS);
      expect(String(recorded)).toBe(`${long.slice(0, REPORT_ERROR_CHARS - 1)}…`);

      // The next report's Operations section says so, in the Runs table and the takeaway.
      const report = await buildInsights(warehouse, null);
      expect(report.data.operations.runs).toEqual([
        expect.objectContaining({ runId: 'run-before', reportError: recorded, reportRecorded: true }),
        expect.objectContaining({ runId: 'run-after', reportError: null, reportRecorded: true }),
      ]);
      const html = renderHtml(report);
      expect(html).toContain('NOT written: cannot write the run&#39;s report to /reports: xxx');
      expect(html).toContain('Reports not written: 1 run (the Runs table says why).');
    } finally {
      await resources.close();
    }
  }, 120_000);

  test("createSchema asks the catalog once for the columns of every table a later release added one to, and adds each missing one (release 2's etl_runs and etl_abandoned_runs)", async () => {
    const uri = engine === 'duckdb' ? uris.duckdb.replace(/\.duckdb$/, '-added-columns.duckdb') : uris[engine];
    const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: uri });
    try {
      const activities = createActivities({ resources, log: silentLogger });
      const warehouse = await resources.warehouse('');
      await warehouse.execute([
        'DROP TABLE IF EXISTS etl_runs',
        'DROP TABLE IF EXISTS etl_abandoned_runs',
        RELEASE_2_ETL_RUNS(TEXT[engine]),
        EARLIER_RUN,
        `CREATE TABLE etl_abandoned_runs (run_id ${TEXT[engine]} NOT NULL, workflow_id ${TEXT[engine]} NOT NULL, status ${TEXT[engine]} NOT NULL, closed_at TIMESTAMP, found_at TIMESTAMP, found_by ${TEXT[engine]})`,
        "INSERT INTO etl_abandoned_runs (run_id, workflow_id, status, found_by) VALUES ('gone', 'wf', 'terminated', 'r1')",
      ]);
      const query = jest.spyOn(warehouse, 'query');
      const columnQuestions = () => query.mock.calls.filter(([sql]) => /information_schema\.columns/i.test(sql)).length;
      try {
        await activities.createSchema({ warehouse: '' });
        // One question for both tables: there was one per table before.
        expect(columnQuestions()).toBe(1);
        expect(await warehouse.query('SELECT run_id, report_error FROM etl_runs')).toEqual([{ run_id: 'run-before', report_error: '' }]);
        expect(await warehouse.query('SELECT run_id, reason FROM etl_abandoned_runs')).toEqual([{ run_id: 'gone', reason: null }]);
        // The next createSchema finds both columns there, asking once again.
        await activities.createSchema({ warehouse: '' });
        expect(columnQuestions()).toBe(2);
      } finally {
        query.mockRestore();
      }
    } finally {
      await resources.close();
    }
  }, 120_000);

  // Insights only reads, so it cannot add the column: it refused such a warehouse ("run one load
  // with this release first") although every other number in the report was there.
  test("insights on a release-2 warehouse before this release's first run reads its runs, their report shown as not recorded", async () => {
    const uri = engine === 'duckdb' ? uris.duckdb.replace(/\.duckdb$/, '-before-run.duckdb') : uris[engine];
    const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: uri });
    try {
      await createActivities({ resources, log: silentLogger }).createSchema({ warehouse: '' });
      const warehouse = await resources.warehouse('');
      await warehouse.execute(['DROP TABLE etl_runs', RELEASE_2_ETL_RUNS(TEXT[engine]), EARLIER_RUN]);
    } finally {
      await resources.close();
    }

    const json = await sparkify(['insights', '--warehouse', uri, '--format', 'json']);
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout) as { data: InsightData; sections: { id: string; charts: { takeaway: string }[]; tables: { rows: unknown[][] }[] }[] };
    expect(report.data.operations.runs).toEqual([expect.objectContaining({ runId: 'run-before', reportError: null, reportRecorded: false })]);
    const operations = report.sections.find((section) => section.id === 'operations');
    expect(operations?.tables[0].rows).toEqual([[expect.any(String), '2018-11-01', 0, 0, 0, 0, 'not recorded']]);
    expect(operations?.charts[0].takeaway).toContain(
      'Whether their reports were written is not recorded for 1 run, recorded before etl_runs had its report_error column (the next run of this release adds it where it is missing).',
    );
    // Read-only: the column is still missing, for the next run to add.
    const table = await sparkify(['sql', '--warehouse', uri, '--json', "SELECT column_name FROM information_schema.columns WHERE table_name = 'etl_runs' AND column_name = 'report_error'"]);
    expect(table.stdout).toBe('[]\n');
  }, 120_000);
});
