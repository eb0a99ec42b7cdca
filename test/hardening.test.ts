import { WorkflowFailedError } from '@temporalio/client';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { failedStep, rootMessage } from '../src/etl/failures';
import { generateDataset } from '../src/generate';
import { songFilesToLoad, loadedDates } from '../src/ledger/loaded';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { allowListFromEnv, ConfigError, postgresTimeouts } from '../src/config';
import { silentLogger } from '../src/log';
import { freePort } from '../src/util/ports';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { deadline } from './support/waits';
import { startTestTemporal, type TestTemporal } from './harness/temporal';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { RULES_VERSION } from '../src/etl/versions';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';

let w: Warehouse;

beforeAll(async () => {
  w = await DuckDbWarehouse.open(':memory:');
  await w.execute([...sqlStatements('schema/etl_tables', w.dialect), ...sqlStatements('schema/etl_versions', w.dialect)]);
  // Run "done" completed, under this release's rules; run "crashed" published its files and then
  // failed (no completed etl_runs row).
  await w.execute([
    `INSERT INTO etl_runs (run_id, status) VALUES ('done', 'completed'), ('crashed', 'failed')`,
    `INSERT INTO etl_run_rules (run_id, rules_version) VALUES ('done', ${RULES_VERSION})`,
    `INSERT INTO etl_load_ledger (kind, source_key, etag, size, records, rejects, run_id) VALUES
       ('songs', 'song_data/A/A/A/TRDONE.json', 'e1', 10, 1, 0, 'done'),
       ('songs', 'song_data/A/A/A/TRCRASHED.json', 'e2', 10, 1, 0, 'crashed'),
       ('events', 'log_data/2018/11/2018-11-01-events.json', 'e3', 10, 1, 0, 'done'),
       ('events', 'log_data/2018/11/2018-11-02-events.json', 'e4', 10, 1, 0, 'crashed')`,
  ]);
});
afterAll(() => w?.close());

describe('the load ledger counts only files of runs that completed', () => {
  test('a song file loaded by a run that never completed is staged again', async () => {
    const listed = [
      { key: 'song_data/A/A/A/TRDONE.json', etag: 'e1', size: 10 },
      { key: 'song_data/A/A/A/TRCRASHED.json', etag: 'e2', size: 10 },
      { key: 'song_data/A/A/A/TRNEW.json', etag: 'e5', size: 10 },
    ];
    expect((await songFilesToLoad(w, listed)).map((o) => o.key)).toEqual(['song_data/A/A/A/TRCRASHED.json', 'song_data/A/A/A/TRNEW.json']);
    // A changed ETag is staged again even after a completed run.
    expect(await songFilesToLoad(w, [{ key: 'song_data/A/A/A/TRDONE.json', etag: 'changed', size: 11 }])).toHaveLength(1);
  });

  test('event dates follow the same rule', async () => {
    expect(await loadedDates(w, ['2018-11-01', '2018-11-02', '2018-11-03'])).toEqual(['2018-11-01']);
  });
});

describe('PostgreSQL never waits forever', () => {
  let pg: PgServer | undefined;
  afterAll(() => pg?.stop());

  test('a server that accepts the connection and never answers fails the connect after the connect timeout', async () => {
    const silent = net.createServer(() => undefined); // accepts, then says nothing
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const w = new PostgresWarehouse(`postgres://sparkify@127.0.0.1:${port}/db`, { connectTimeoutMs: 300, statementTimeoutMs: 0, keepAliveInitialDelayMs: 1000 });
    try {
      await expect(deadline(w.query('SELECT 1'), 30_000, 'the query was still waiting on a silent server after 30 s')).rejects.toThrow(/timeout/i);
    } finally {
      await w.close();
      silent.close();
    }
  });

  test('a statement longer than the statement timeout is cancelled by the server', async () => {
    pg = await startPostgres();
    const url = await createTestDatabase(pg.url, 'timeouts');
    const w = new PostgresWarehouse(url, { connectTimeoutMs: 10_000, statementTimeoutMs: 200, keepAliveInitialDelayMs: 1000 });
    try {
      await expect(deadline(w.query('SELECT pg_sleep(60)'), 40_000, 'pg_sleep(60) was not cancelled')).rejects.toThrow(/statement timeout/);
      expect(await w.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await w.close();
    }
  });

  test('the timeouts come from the environment, with defaults, and a bad value names its variable', () => {
    expect(postgresTimeouts({})).toEqual({ connectTimeoutMs: 15_000, statementTimeoutMs: 6 * 3_600_000, keepAliveInitialDelayMs: 10_000 });
    expect(postgresTimeouts({ SPARKIFY_PG_CONNECT_TIMEOUT: '2.5', SPARKIFY_PG_STATEMENT_TIMEOUT: '0' })).toMatchObject({ connectTimeoutMs: 2500, statementTimeoutMs: 0 });
    expect(() => postgresTimeouts({ SPARKIFY_PG_STATEMENT_TIMEOUT: 'soon' })).toThrow(ConfigError);
    expect(() => postgresTimeouts({ SPARKIFY_PG_STATEMENT_TIMEOUT: 'soon' })).toThrow(/SPARKIFY_PG_STATEMENT_TIMEOUT: .*seconds \(got "soon"\)/);
  });
});

describe('a worker serves only the warehouses, sources and report locations it allows', () => {
  const allow = {
    warehouses: ['postgres://etl:secret@db.internal:5432/sparkify', 'duckdb:/srv/sparkify/*'],
    sources: ['/srv/data', 's3://raw-bucket/sparkify'],
    reportLocations: ['/srv/reports'],
  };
  const resources = new Resources({ s3: {}, log: silentLogger, allow, defaultWarehouse: 'duckdb:/var/lib/own.duckdb', defaultSource: '/var/lib/own-data', reportDir: '/var/lib/own-reports' });

  test('allowed ones resolve, with the password the worker holds', () => {
    expect(resources.resolveWarehouseUri('postgres://etl:***@db.internal:5432/sparkify')).toBe('postgres://etl:secret@db.internal:5432/sparkify');
    expect(resources.resolveWarehouseUri('duckdb:/srv/sparkify/a.duckdb')).toBe('duckdb:/srv/sparkify/a.duckdb');
    expect(resources.resolveWarehouseUri(undefined)).toBe('duckdb:/var/lib/own.duckdb');
    expect(resources.resolveSourceUri('/srv/data/2018')).toBe('/srv/data/2018');
    expect(resources.resolveSourceUri('s3://raw-bucket/sparkify/2018/')).toBe('s3://raw-bucket/sparkify/2018/');
    expect(resources.resolveSourceUri(undefined)).toBe('/var/lib/own-data');
    expect(resources.resolveReportLocation('/srv/reports/nightly', () => 'unused')).toBe('/srv/reports/nightly');
    expect(resources.resolveReportLocation(undefined, () => '/var/lib/own-reports')).toBe('/var/lib/own-reports');
  });

  test.each([
    ['warehouse', () => resources.resolveWarehouseUri('postgres://etl:***@evil.example:5432/sparkify'), /warehouse postgres:\/\/etl:\*\*\*@evil\.example:5432\/sparkify is not one this worker serves \(SPARKIFY_ALLOWED_WAREHOUSES\)/],
    ['warehouse (other database)', () => resources.resolveWarehouseUri('postgres://etl@db.internal:5432/other'), /SPARKIFY_ALLOWED_WAREHOUSES/],
    ['warehouse (file outside)', () => resources.resolveWarehouseUri('duckdb:/etc/passwd.duckdb'), /SPARKIFY_ALLOWED_WAREHOUSES/],
    ['source (sibling with the same prefix)', () => resources.resolveSourceUri('/srv/data-private'), /source \/srv\/data-private\/ is not one this worker serves \(SPARKIFY_ALLOWED_SOURCES\)/],
    ['source (.. out of an allowed directory)', () => resources.resolveSourceUri('/srv/data/../../etc'), /SPARKIFY_ALLOWED_SOURCES/],
    ['source (other bucket)', () => resources.resolveSourceUri('s3://raw-bucket-2/sparkify'), /SPARKIFY_ALLOWED_SOURCES/],
    ['report location', () => resources.resolveReportLocation('/home/someone/.ssh', () => 'unused'), /report location \/home\/someone\/\.ssh\/ is not one this worker serves \(SPARKIFY_ALLOWED_REPORT_LOCATIONS\)/],
  ])('a %s outside the allow-list is refused with a ConfigError (not retried)', (_what, resolve, message) => {
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow(message);
  });

  test('the activities refuse them before touching anything', async () => {
    const activities = createActivities({ resources, log: silentLogger });
    await expect(activities.createSchema({ warehouse: 'duckdb:/tmp/elsewhere.duckdb' })).rejects.toThrow(/not one this worker serves/);
  });

  test('the allow-list comes from the environment; unset, everything is served', () => {
    expect(allowListFromEnv({ SPARKIFY_ALLOWED_SOURCES: ' /a , s3://b/c ', SPARKIFY_ALLOWED_WAREHOUSES: '' })).toEqual({
      sources: ['/a', 's3://b/c'],
      warehouses: undefined,
      reportLocations: undefined,
    });
    const open = new Resources({ s3: {}, log: silentLogger, allow: {} });
    expect(open.resolveSourceUri('/anything')).toBe('/anything');
  });

  // `duckdb://…` was taken as the entry and failed every run that named a warehouse, with
  // 'warehouse: "duckdb:///srv/wh.duckdb" is ambiguous…', not naming the variable; and a wildcard
  // with it, or a relative DuckDB path before the `*`, matched nothing.
  test.each(['duckdb:///srv/wh.duckdb', 'duckdb:///srv/*'])('%s, which --warehouse refuses too, stops the worker at start, naming the variable and the spellings', (entry) => {
    const named = entry.slice('duckdb:///'.length);
    expect(() => new Resources({ s3: {}, log: silentLogger, allow: { warehouses: [entry] } })).toThrow(
      new ConfigError(
        `SPARKIFY_ALLOWED_WAREHOUSES: "${entry}" is ambiguous: write duckdb:/${named} for the absolute path /${named}, or duckdb:${named} for ${named} under the current directory`,
      ),
    );
  });

  test('DuckDB entries are spelled as --warehouse takes them: a relative path, whole or before `*`, is under the directory the worker started in', () => {
    const relative = new Resources({ s3: {}, log: silentLogger, allow: { warehouses: ['duckdb:wh/own.duckdb', 'duckdb:shared/*'] } });
    expect(relative.resolveWarehouseUri(`duckdb:${path.resolve('wh/own.duckdb')}`)).toBe(`duckdb:${path.resolve('wh/own.duckdb')}`);
    expect(relative.resolveWarehouseUri(`duckdb:${path.resolve('shared/a.duckdb')}`)).toBe(`duckdb:${path.resolve('shared/a.duckdb')}`);
    expect(relative.resolveWarehouseUri('duckdb:shared/b.duckdb')).toBe('duckdb:shared/b.duckdb');
    expect(() => relative.resolveWarehouseUri(`duckdb:${path.resolve('shared-not/a.duckdb')}`)).toThrow(/SPARKIFY_ALLOWED_WAREHOUSES/);
  });
});

describe('blocking checks on staged data run before anything is published', () => {
  let temporal: TestTemporal;
  let tmp: string;
  beforeAll(async () => {
    temporal = await startTestTemporal();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-prepublish-'));
    await generateDataset({ outDir: path.join(tmp, 'data'), days: 1, users: 4, songs: 10, seed: 3, startDate: '2018-11-01' });
  });
  afterAll(async () => {
    await temporal?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a day without events, run with failOnEmpty, fails and publishes no songs, artists, users or time', async () => {
    const file = path.join(tmp, 'wh.duckdb');
    const error = await (await temporal.worker())
      .run({ source: path.join(tmp, 'data'), warehouse: `duckdb:${file}`, window: { from: '2018-11-09', to: '2018-11-09' }, failOnEmpty: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(failedStep(error)).toBe('checkStagedData');
    expect(rootMessage(error)).toMatch(/quality check "run has events" failed: .*\(before publishing: nothing was published\)/);
    const w = await DuckDbWarehouse.open(file);
    try {
      const [counts] = await w.query(
        'SELECT (SELECT COUNT(*) FROM songs) AS songs, (SELECT COUNT(*) FROM artists) AS artists, (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM time) AS time',
      );
      expect(counts).toEqual({ songs: 0, artists: 0, users: 0, time: 0 });
      // The songs were staged (so they would have been published), and the failed check is recorded.
      expect((await w.query('SELECT COUNT(*) AS n FROM staging_songs'))[0].n).toBe(10);
      expect(await w.query("SELECT check_name, status FROM etl_quality_results WHERE status = 'fail'")).toEqual([{ check_name: 'run has events', status: 'fail' }]);
    } finally {
      await w.close();
    }
  });
});
