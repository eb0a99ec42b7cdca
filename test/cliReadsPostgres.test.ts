/**
 * `sparkify insights` and `sparkify sql` (the built CLI) on a PostgreSQL warehouse: one no load
 * has filled is told as such, not by the engine's missing-table error; `sql` runs one statement
 * (two crashed with "Cannot read properties of undefined (reading 'length')") and prints dates,
 * intervals and json as the server writes them (not a JavaScript Date's string, or "[object Object]").
 * Several statements were told by the server's English message: under another lc_messages they
 * failed with the server's words and exit 1. `sql` ran a write as given (DuckDB's, opened read-only,
 * is refused): every transaction of the read commands is now read-only, and a write is refused the same.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { postgresTimeouts } from '../src/config';
import { sqlStatements } from '../src/warehouse/sql';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { runSparkify } from './support/cli';


let pg: PgServer;
let warehouse: string;
beforeAll(async () => {
  pg = await startPostgres();
  warehouse = await createTestDatabase(pg.url, 'cli_reads');
});
afterAll(async () => {
  await pg?.stop();
});

/** Sets each `name = value` as the default of the database `url` names (ALTER DATABASE … SET), as its owner would. */
async function setDatabaseDefaults(url: string, ...settings: string[]): Promise<void> {
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  try {
    for (const setting of settings) await admin.query(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" SET ${setting}`);
  } finally {
    await admin.end();
  }
}

function sparkify(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return runSparkify(args, { cwd: options.cwd, env: { SPARKIFY_LOG_LEVEL: 'warn', ...options.env }, timeoutMs: 120_000 });
}

test("an embedded run on PostgreSQL writes its report into SPARKIFY_REPORT_DIR, as a worker does (it went to .sparkify/reports in the working directory)", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-report-dir-'));
  try {
    const [reports, cwd] = [path.join(tmp, 'reports'), path.join(tmp, 'cwd')];
    fs.mkdirSync(cwd);
    const target = await createTestDatabase(pg.url, 'cli_report_dir');
    const sample = path.resolve(__dirname, '../../shared/data/udacity-sample');
    const run = sparkify(['run', '--date', '2018-11-01', '--source', sample, '--warehouse', target, '--json'], { cwd, env: { SPARKIFY_REPORT_DIR: reports } });
    expect({ status: run.status, stderr: run.stderr.split('\n').filter((l) => /"level":(50|60)/.test(l)) }).toEqual({ status: 0, stderr: [] });
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(summary.report).toBe(path.join(reports, 'sparkify-etl-2018-11-01.html'));
    expect(fs.existsSync(summary.report)).toBe(true);
    expect(fs.existsSync(path.join(cwd, '.sparkify'))).toBe(false);

    // A directory it cannot write is refused before the run starts, naming the setting.
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    const refused = sparkify(['run', '--date', '2018-11-01', '--source', sample, '--warehouse', target], { cwd, env: { SPARKIFY_REPORT_DIR: file } });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(file);
    expect(refused.stderr).toContain('give SPARKIFY_REPORT_DIR a directory you can write to');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 240_000);

test('insights on a database without the star tables says it has not been loaded yet', () => {
  const r = sparkify(['insights', '--warehouse', warehouse]);
  expect(r.stderr).toBe(
    `sparkify: ${warehouse} has not been loaded yet (no songplays, users, songs, artists, time tables): run a load first: sparkify run --source DIR --warehouse ${warehouse}\n`,
  );
  expect(r.status).toBe(2);
});

test('sql refuses several statements before running any', () => {
  const r = sparkify(['sql', '--warehouse', warehouse, 'CREATE TABLE made (a integer); SELECT 2 AS b']);
  expect(r.stderr).toBe('sparkify: the query holds more than one statement: sparkify sql runs one at a time, so give each on its own\n');
  expect(r.status).toBe(2);
  const made = sparkify(['sql', '--warehouse', warehouse, '--json', "SELECT to_regclass('made') IS NULL AS absent"]);
  expect(made.stdout).toBe('[{"absent":true}]\n');
});

test('sql refuses several statements the same on a database whose server speaks German', async () => {
  const german = await createTestDatabase(pg.url, 'cli_reads_de');
  await setDatabaseDefaults(german, "lc_messages = 'de_DE.UTF-8'");
  const r = sparkify(['sql', '--warehouse', german, 'SELECT 1; SELECT 2']);
  expect(r.stderr).toBe('sparkify: the query holds more than one statement: sparkify sql runs one at a time, so give each on its own\n');
  expect(r.status).toBe(2);
  // A syntax error of one statement is still the server's own (here in German), not a refusal of several.
  const typo = sparkify(['sql', '--warehouse', german, 'SELEC 1']);
  expect(typo.stderr).toMatch(/^sparkify: Syntaxfehler bei »SELEC«/);
});

describe('sql refuses a statement that would write, as on DuckDB, and writes nothing', () => {
  const refusal = (url: string) =>
    `sparkify: ${url} is opened read-only by the commands that read it, and the statement would write to it: ` +
    'sparkify sql runs queries only; the pipeline (sparkify run) writes the warehouse\n';
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase(pg.url, 'cli_reads_ro');
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query("CREATE TABLE songplays (songplay_id text); INSERT INTO songplays VALUES ('a'), ('b')");
    } finally {
      await admin.end();
    }
  });

  test.each([
    ['DELETE', "DELETE FROM songplays WHERE songplay_id = 'a'"],
    ['CREATE TABLE', 'CREATE TABLE made (a integer)'],
    ['DROP TABLE', 'DROP TABLE songplays'],
  ])('%s', (_kind, statement) => {
    const r = sparkify(['sql', '--warehouse', url, statement]);
    expect(r.stderr).toBe(refusal(url));
    expect(r.status).toBe(2);
    const after = sparkify(['sql', '--warehouse', url, '--json', "SELECT COUNT(*) AS n, to_regclass('made') IS NULL AS absent FROM songplays"]);
    expect(after.stdout).toBe('[{"n":2,"absent":true}]\n');
  });

  test('told by its SQLSTATE on a server that speaks German', async () => {
    await setDatabaseDefaults(url, "lc_messages = 'de_DE.UTF-8'");
    const r = sparkify(['sql', '--warehouse', url, 'TRUNCATE songplays']);
    expect(r.stderr).toBe(refusal(url));
    expect(r.status).toBe(2);
  });
});

test('sql prints dates and intervals as the server writes them', () => {
  const query = "SELECT DATE '2026-12-04' AS d, INTERVAL '1 day 2 hours' AS i, ARRAY[DATE '2018-11-05'] AS days;";
  const table = sparkify(['sql', '--warehouse', warehouse, query]);
  expect(table.stdout).toBe('d           i               days\n----------  --------------  ------------\n2026-12-04  1 day 02:00:00  {2018-11-05}\n(1 row)\n');
  const json = sparkify(['sql', '--warehouse', warehouse, '--json', query]);
  expect(JSON.parse(json.stdout)).toEqual([{ d: '2026-12-04', i: '1 day 02:00:00', days: '{2018-11-05}' }]);
});

test('sql prints json and jsonb as their JSON text, not "[object Object]"', () => {
  const query = `SELECT '{"a": [1, 2]}'::jsonb AS b, '{"k":"v"}'::json AS j, ARRAY['{"x":1}'::jsonb] AS bs, '"s"'::jsonb AS s`;
  const table = sparkify(['sql', '--warehouse', warehouse, query]);
  expect(table.stdout).toBe('b              j          bs              s\n-------------  ---------  --------------  ---\n{"a": [1, 2]}  {"k":"v"}  {"{\\"x\\": 1}"}  "s"\n(1 row)\n');
  const json = sparkify(['sql', '--warehouse', warehouse, '--json', query]);
  expect(JSON.parse(json.stdout)).toEqual([{ b: '{"a": [1, 2]}', j: '{"k":"v"}', bs: '{"{\\"x\\": 1}"}', s: '"s"' }]);
});

describe('sql gives timestamps, dates and intervals in the same form as on DuckDB, whatever the server\'s time zone and styles', () => {
  // A timestamptz came back as the server's text in its zone ("2018-11-15 09:30:26.796+01"); with
  // DateStyle 'SQL, DMY' a timestamp was "15/11/2018 08:30:26.796" and a date "15/11/2018".
  const query =
    "SELECT TIMESTAMPTZ '2018-11-15 08:30:26.796123+00' AS tz, TIMESTAMP '2018-11-15 08:30:26.796' AS ts, " +
    "TIMESTAMPTZ '1850-01-01 00:00:00+00' AS early, TIMESTAMP '1969-12-31 23:59:59.9995' AS before_epoch, " +
    "DATE '2018-11-15' AS d, INTERVAL '1 day 2 hours' AS i";
  let url: string;
  let duckdb: string;
  let dir: string;
  beforeAll(async () => {
    url = await createTestDatabase(pg.url, 'cli_reads_tz');
    // Europe/Berlin: +01 in November, and +00:53:28 (its local mean time) in 1850.
    await setDatabaseDefaults(url, "timezone = 'Europe/Berlin'", "DateStyle = 'SQL, DMY'", "IntervalStyle = 'sql_standard'");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-tz-'));
    const file = path.join(dir, 'wh.duckdb');
    await (await DuckDbWarehouse.open(file)).close();
    duckdb = `duckdb:${file}`;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('--json: ISO-8601 in UTC with Z, to the millisecond', () => {
    const expected = [
      { tz: '2018-11-15T08:30:26.796Z', ts: '2018-11-15T08:30:26.796Z', early: '1850-01-01T00:00:00.000Z', before_epoch: '1970-01-01T00:00:00.000Z', d: '2018-11-15', i: '1 day 02:00:00' },
    ];
    expect(JSON.parse(sparkify(['sql', '--warehouse', duckdb, '--json', query]).stdout)).toEqual(expected);
    const onPostgres = sparkify(['sql', '--warehouse', url, '--json', query]);
    expect(onPostgres.stderr).toBe('');
    expect(JSON.parse(onPostgres.stdout)).toEqual(expected);
  });

  test('the table alike', () => {
    const onPostgres = sparkify(['sql', '--warehouse', url, query]);
    expect(onPostgres.stdout).toBe(sparkify(['sql', '--warehouse', duckdb, query]).stdout);
  });
});

describe('sql refuses a write even where the session settings fail to apply', () => {
  // The read-only session default rides on the settings each pooled connection runs as it connects,
  // without waiting, in one query: here its first statement (the JIT setting, which reads
  // pg_settings) is refused, the rest never runs, and a DELETE went through. Now the statement
  // runs in a read-only transaction begun and awaited first, and so do insights' queries.
  let url: string;
  beforeAll(async () => {
    const owner = await createTestDatabase(pg.url, 'cli_reads_unset');
    const admin = new Client({ connectionString: owner });
    await admin.connect();
    try {
      await admin.query("CREATE TABLE songplays (songplay_id text); INSERT INTO songplays VALUES ('a'), ('b')");
      await admin.query('REVOKE SELECT ON pg_catalog.pg_settings FROM PUBLIC');
      await admin.query('CREATE ROLE cli_unset_reader LOGIN');
      await admin.query('GRANT SELECT, DELETE ON songplays TO cli_unset_reader');
    } finally {
      await admin.end();
    }
    const asReader = new URL(owner);
    asReader.username = 'cli_unset_reader';
    asReader.password = '';
    url = asReader.toString();
  });

  test("insights' queries (setup, then the query, in one transaction) run read-only too, and a write among them is refused", async () => {
    const reader = new PostgresWarehouse(url, postgresTimeouts(), 'read-only');
    try {
      const settings = sqlStatements('postgres/report_settings', 'postgres');
      expect(await reader.queryInTransaction(settings, "SELECT current_setting('transaction_read_only') AS read_only")).toEqual([{ read_only: 'on' }]);
      await expect(reader.queryInTransaction(settings, 'DELETE FROM songplays')).rejects.toThrow(/read-only transaction/);
      expect(await reader.query('SELECT COUNT(*)::int AS n FROM songplays')).toEqual([{ n: 2 }]);
    } finally {
      await reader.close();
    }
  });

  test.each([
    ['DELETE', 'DELETE FROM songplays'],
    ['VACUUM', 'VACUUM songplays'],
  ])('%s', (_kind, statement) => {
    const r = sparkify(['sql', '--warehouse', url, statement]);
    expect(r.stderr).toBe(
      `sparkify: ${url} is opened read-only by the commands that read it, and the statement would write to it: ` +
        'sparkify sql runs queries only; the pipeline (sparkify run) writes the warehouse\n',
    );
    expect(r.status).toBe(2);
    expect(sparkify(['sql', '--warehouse', url, '--json', 'SELECT COUNT(*) AS n FROM songplays']).stdout).toBe('[{"n":2}]\n');
  });
});
