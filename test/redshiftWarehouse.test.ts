import { ConfigError, parseWarehouseUri } from '../src/config';
import { listedKeys, recordLedgerStatements } from '../src/activities/ledger';
import { RULES_VERSION, SCHEMA_VERSION } from '../src/etl/versions';
import { ledgerDates, ledgerKeyParts, songFilesToLoad } from '../src/ledger/loaded';
import { recordedSchemaVersion, recordSchemaVersionStatements } from '../src/ledger/warehouseVersions';
import { storeRepairedText } from '../src/activities/textRepairRows';
import { repairedForms } from '../src/etl/textRepair';
import { gatherKeys } from '../src/staging/listedKeys';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { MAX_STATEMENT_BYTES } from '../src/warehouse/redshift/append';
import { DataApi } from '../src/warehouse/redshift/dataApi';
import { parseRedshiftUri, type RedshiftSettings } from '../src/warehouse/redshift/uri';
import { sqlStatements } from '../src/warehouse/sql';
import type { StatementOptions, StatementTracker } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, type S3Server } from './harness/s3';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';

describe('redshift-data:// URIs', () => {
  test('a cluster with a database user, and every optional parameter', () => {
    const config = parseWarehouseUri(
      'redshift-data://cluster/analytics-1/sparkify?dbUser=etl&region=eu-west-1&iamRole=arn:aws:iam::123456789012:role/copy' +
        '&maxError=10&s3Region=us-west-2&staging=s3://etl-work/sparkify&endpoint=https://vpce-1.redshift-data.eu-west-1.vpce.amazonaws.com',
    );
    expect(config).toMatchObject({
      kind: 'redshift',
      settings: {
        target: { kind: 'cluster', clusterIdentifier: 'analytics-1', dbUser: 'etl' },
        database: 'sparkify',
        region: 'eu-west-1',
        iamRole: 'arn:aws:iam::123456789012:role/copy',
        maxError: 10,
        s3Region: 'us-west-2',
        staging: 's3://etl-work/sparkify/',
        endpoint: 'https://vpce-1.redshift-data.eu-west-1.vpce.amazonaws.com',
      },
    });
  });

  test('a Serverless workgroup with or without a secret; defaults', () => {
    expect(parseRedshiftUri('redshift-data://workgroup/etl/dev')).toEqual({
      target: { kind: 'workgroup', workgroupName: 'etl', secretArn: undefined },
      database: 'dev',
      iamRole: 'default',
      maxError: 0,
      region: undefined,
      endpoint: undefined,
      s3Region: undefined,
      staging: undefined,
    });
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sparkify-etl-AbCdEf';
    expect(parseRedshiftUri(`redshift-data://workgroup/etl/dev?secretArn=${arn}`).target).toEqual({ kind: 'workgroup', workgroupName: 'etl', secretArn: arn });
  });

  test.each([
    ['redshift-data://warehouse/x/dev?dbUser=a', /"cluster" or "workgroup"/],
    ['redshift-data://cluster/x?dbUser=a', /database is missing/],
    ['redshift-data://cluster/x/dev', /exactly one of the parameters "dbUser" and "secretArn"/],
    ['redshift-data://cluster/x/dev?dbUser=a&secretArn=arn:aws:secretsmanager:us-east-1:123456789012:secret:s', /exactly one/],
    ['redshift-data://workgroup/x/dev?dbUser=a', /parameter "dbUser" is for clusters/],
    ['redshift-data://cluster/x/dev?dbUser=a&maxError=-1', /parameter "maxError"/],
    ['redshift-data://cluster/x/dev?dbUser=a&iamRole=copy-role', /parameter "iamRole"/],
    ['redshift-data://cluster/x/dev?dbUser=a&region=Europe', /parameter "region"/],
    ['redshift-data://cluster/x/dev?dbUser=a&staging=/tmp/x', /parameter "staging"/],
    ['redshift-data://cluster/x/dev?dbUser=a&endpoint=localhost:1', /parameter "endpoint"/],
    ['redshift-data://workgroup/x/dev?secretArn=my-secret', /parameter "secretArn"/],
    ['redshift-data://cluster/x/dev?dbUser=a&dbuser=b', /unknown parameter "dbuser"/],
  ])('%s is a ConfigError naming what is wrong', (uri, message) => {
    expect(() => parseWarehouseUri(uri, '--warehouse')).toThrow(ConfigError);
    expect(() => parseWarehouseUri(uri, '--warehouse')).toThrow(message);
    expect(() => parseWarehouseUri(uri, '--warehouse')).toThrow(/^--warehouse: /);
  });
});

describe('the Redshift warehouse against the Data API emulator', () => {
  let pg: PgServer;
  let s3: S3Server;
  let emulator: RedshiftEmulator;
  let settings: RedshiftSettings;
  let warehouse: RedshiftWarehouse;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
    [pg, s3] = await Promise.all([startPostgres(), startS3()]);
    emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'rsw'), s3: s3.settings, pageSize: 7 });
    settings = parseRedshiftUri(`redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${emulator.endpoint}`);
    warehouse = new RedshiftWarehouse(settings);
  });

  afterAll(async () => {
    await warehouse?.close();
    await emulator?.stop();
    await Promise.all([pg?.stop(), s3?.stop()]);
  });

  test('the schema with its distribution and sort keys is accepted, and queries page through results', async () => {
    const ddl = ['staging_events', 'songplays', 'users', 'time', 'etl_tables'].flatMap((f) => sqlStatements(`schema/${f}`, 'redshift'));
    expect(ddl.join('\n')).toContain('DISTSTYLE KEY DISTKEY(user_id) SORTKEY(start_time)');
    expect(ddl.join('\n')).toContain('DISTSTYLE ALL SORTKEY(user_id)');
    await warehouse.execute(ddl);
    const rows = await warehouse.query(
      "SELECT n, n * 0.5 AS half, CAST('2018-11-01 21:01:46.796' AS TIMESTAMP) AS at, CAST(n AS VARCHAR) AS label FROM generate_series(1, 20) AS n ORDER BY n",
    );
    expect(rows).toHaveLength(20);
    expect(rows[19]).toEqual({ n: 20, half: 10, at: '2018-11-01T21:01:46.796Z', label: '20' });
  });

  test('the version tables: the schema version is recorded once, never lowered, and the ledger records and reads rules versions', async () => {
    await warehouse.execute(['staging_events', 'staging_songs', 'etl_tables', 'etl_file_counts', 'etl_versions'].flatMap((f) => sqlStatements(`schema/${f}`, 'redshift')));
    await warehouse.execute([...recordSchemaVersionStatements(warehouse, new Date()), ...recordSchemaVersionStatements(warehouse, new Date())]);
    expect(await recordedSchemaVersion(warehouse)).toBe(SCHEMA_VERSION);
    await warehouse.execute([`UPDATE etl_schema_version SET schema_version = ${SCHEMA_VERSION + 1}`, ...recordSchemaVersionStatements(warehouse, new Date())]);
    expect(await recordedSchemaVersion(warehouse)).toBe(SCHEMA_VERSION + 1);

    const song = { key: 'song_data/A/A/A/TRVERSION.json', etag: 'e1', size: 10 };
    const log = 'log_data/2018/11/2018-11-01-events.json';
    await warehouse.execute([
      "INSERT INTO etl_runs (run_id, status) VALUES ('versions', 'completed')",
      `INSERT INTO etl_run_files (run_id, kind, source_key, etag, size) VALUES ('versions', 'songs', '${song.key}', 'e1', 10), ('versions', 'events', '${log}', 'e1', 10)`,
      ...recordLedgerStatements(warehouse, 'versions', new Date()),
      ...sqlStatements('etl/record_run_rules', 'redshift', { run_id: 'versions', rules_version: RULES_VERSION }),
      ...sqlStatements('etl/record_run_rules', 'redshift', { run_id: 'versions', rules_version: RULES_VERSION }),
    ]);
    expect(await songFilesToLoad(warehouse, [song])).toEqual([]);
    expect(await ledgerDates(warehouse, ['2018-11-01'])).toEqual({ loaded: ['2018-11-01'], stale: [] });
    await warehouse.execute(['UPDATE etl_run_rules SET rules_version = 0']);
    expect(await songFilesToLoad(warehouse, [song])).toEqual([song]);
    expect(await ledgerDates(warehouse, ['2018-11-01'])).toEqual({ loaded: ['2018-11-01'], stale: [{ date: '2018-11-01', rulesVersion: 0 }] });
  });

  test("the ledger is asked about long song keys in parts that each fit the Data API's 100 KB", async () => {
    await warehouse.execute(['etl_tables', 'etl_versions'].flatMap((f) => sqlStatements(`schema/${f}`, 'redshift')));
    // 1,200 keys of 215 characters: over 250 KB of literals, which one statement (or 1,000 keys) cannot hold.
    const songs = Array.from({ length: 1200 }, (_, i) => ({ key: `song_data/A/B/C/TR${'L'.repeat(190)}${String(i).padStart(4, '0')}.json`, etag: 'e1', size: 10 }));
    const loaded = [songs[7], songs[1100]];
    await warehouse.execute([
      "INSERT INTO etl_runs (run_id, status) VALUES ('long-keys', 'completed')",
      `INSERT INTO etl_run_files (run_id, kind, source_key, etag, size) VALUES ${loaded.map((o) => `('long-keys', 'songs', '${o.key}', 'e1', 10)`).join(', ')}`,
      ...recordLedgerStatements(warehouse, 'long-keys', new Date()),
      ...sqlStatements('etl/record_run_rules', 'redshift', { run_id: 'long-keys', rules_version: RULES_VERSION }),
    ]);
    const parts = ledgerKeyParts(warehouse, songs);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.flat()).toEqual(songs);
    const toLoad = await songFilesToLoad(warehouse, songs);
    expect(toLoad).toHaveLength(songs.length - loaded.length);
    expect(toLoad).not.toContainEqual(loaded[0]);
    expect(toLoad).not.toContainEqual(loaded[1]);
  });

  test("a streamed query comes a result page at a time; the run's file list is read that way", async () => {
    const pages: number[] = [];
    for await (const page of warehouse.queryChunks('SELECT n FROM generate_series(1, 20) AS n ORDER BY n')) pages.push(page.length);
    expect(pages).toEqual([7, 7, 6]);

    await warehouse.execute(sqlStatements('schema/etl_tables', 'redshift'));
    await warehouse.execute([
      "INSERT INTO etl_run_files (run_id, kind, source_key, size) SELECT 'rs-run', 'songs', 'song_data/A/TR' || LPAD(CAST(n AS VARCHAR), 3, '0') || '.json', 10 FROM generate_series(1, 30) AS n",
    ]);
    const wholeReads: string[] = [];
    const streamed: number[] = [];
    const observed = Object.create(warehouse) as RedshiftWarehouse;
    observed.query = (sql: string, options?: StatementOptions) => {
      wholeReads.push(sql);
      return warehouse.query(sql, options);
    };
    observed.queryChunks = async function* (sql: string, options?: StatementOptions) {
      for await (const page of warehouse.queryChunks(sql, options)) {
        streamed.push(page.length);
        yield page;
      }
    };
    const keys = await listedKeys(observed, 'rs-run', 'songs');
    expect(keys).toMatchObject({ count: 30, bytes: 300 });
    expect(await gatherKeys(keys.read())).toEqual(Array.from({ length: 30 }, (_, i) => `song_data/A/TR${String(i + 1).padStart(3, '0')}.json`));
    expect(streamed).toEqual([7, 7, 7, 7, 2]);
    expect(wholeReads.filter((sql) => sql.includes('SELECT source_key'))).toEqual([]);
  });

  test('a failed statement is a SqlError with the server\'s message', async () => {
    await expect(warehouse.query('SELECT no_such_column FROM users')).rejects.toMatchObject({ name: 'SqlError', message: /no_such_column/ });
  });

  test('appendRows splits rows into INSERTs within the statement limit, in one batch with deleteFirst, and is idempotent', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ['run-a', 'songs', `song_data/A/B/C/TR${String(i).padStart(6, '0')}.json`, `"etag-${i}" O'Brien`, i]);
    const append = () =>
      warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], rows, { deleteFirst: "DELETE FROM etl_run_files WHERE run_id = 'run-a'" });
    expect(await append()).toBe(3000);
    expect(await append()).toBe(3000);
    const inserts = [...emulator.submissions().keys()].filter((sql) => sql.startsWith('INSERT INTO "etl_run_files"'));
    expect(inserts.length).toBeGreaterThan(1);
    for (const sql of inserts) expect(Buffer.byteLength(sql)).toBeLessThanOrEqual(MAX_STATEMENT_BYTES);
    const [summary] = await warehouse.query("SELECT COUNT(*) AS n, SUM(size) AS total, MAX(etag) AS etag FROM etl_run_files WHERE run_id = 'run-a'");
    expect(summary).toEqual({ n: 3000, total: (2999 * 3000) / 2, etag: `"etag-999" O'Brien` });
  });

  test('an append too big for one batch goes through a buffer table and still replaces in one transaction', async () => {
    const rows = (run: string) =>
      Array.from({ length: 60_000 }, (_, i) => [run, 'events', `log_data/2018/11/2018-11-${String((i % 30) + 1).padStart(2, '0')}-events.json#${i}`, 'x'.repeat(20), i]);
    const append = (run: string) =>
      warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], rows(run), {
        deleteFirst: `DELETE FROM etl_run_files WHERE run_id = '${run}'`,
      });
    expect(await append('run-big')).toBe(60_000);
    expect(await append('run-big')).toBe(60_000);
    expect(await warehouse.query("SELECT COUNT(*) AS n, COUNT(DISTINCT source_key) AS keys FROM etl_run_files WHERE run_id = 'run-big'")).toEqual([
      { n: 60_000, keys: 60_000 },
    ]);
    const buffers = await warehouse.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name LIKE 'etl_append_%'");
    expect(buffers).toEqual([{ n: 0 }]);
    expect(emulator.submissionCount(/^INSERT INTO "etl_append_[0-9a-f]+_[0-9a-f]+"/)).toBeGreaterThan(40);
  });

  test('a big append streams: rows are sent a batch at a time while the rest are still being read', async () => {
    const bufferInserts = /^INSERT INTO "etl_append_[0-9a-f]+_[0-9a-f]+"/;
    const before = emulator.submissionCount(bufferInserts);
    let sentBeforeLastRow = -1;
    async function* rows(): AsyncGenerator<(string | number)[]> {
      for (let i = 0; i < 60_000; i++) {
        if (i === 59_999) sentBeforeLastRow = emulator.submissionCount(bufferInserts) - before;
        yield ['run-stream', 'events', `log_data/2018/11/2018-11-01-events.json#${i}`, 'x'.repeat(20), i];
      }
    }
    const appended = await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], rows(), {
      deleteFirst: "DELETE FROM etl_run_files WHERE run_id = 'run-stream'",
    });
    expect(appended).toBe(60_000);
    // Built all in memory first, no INSERT would have gone out before the last row was read.
    expect(sentBeforeLastRow).toBeGreaterThan(0);
    expect(await warehouse.query("SELECT COUNT(*) AS n FROM etl_run_files WHERE run_id = 'run-stream'")).toEqual([{ n: 60_000 }]);
  });

  test('a row too long for one statement is built in pieces and appended with the rest, in one transaction', async () => {
    // Three values of 30-60 KB each, with quotes, backslashes and characters of 2 to 4 bytes (as SQL, 150 KB of one row).
    const long = (seed: string, n: number) => `${seed}'\\"é🎵`.repeat(n);
    const wide = ['run-wide', 'user_agent', long('Mozilla ', 2_500), long('mozilla ', 2_500), long('m', 4_000)];
    const rows = [['run-wide', 'text', 'a', 'A', 'a'], wide, ['run-wide', 'text', 'b', 'B', 'b']];
    const append = () =>
      warehouse.appendRows('etl_text_repairs', ['run_id', 'kind', 'raw', 'repaired', 'match_key'], rows, {
        deleteFirst: "DELETE FROM etl_text_repairs WHERE run_id = 'run-wide'",
      });
    expect(await append()).toBe(3);
    expect(await append()).toBe(3);
    for (const sql of emulator.submissions().keys()) expect(Buffer.byteLength(sql)).toBeLessThanOrEqual(MAX_STATEMENT_BYTES);
    expect(await warehouse.query("SELECT kind, COUNT(*) AS n FROM etl_text_repairs WHERE run_id = 'run-wide' GROUP BY kind ORDER BY kind")).toEqual([
      { kind: 'text', n: 2 },
      { kind: 'user_agent', n: 1 },
    ]);
    // One column at a time: the Data API returns at most 64 KB of one result row.
    for (const column of ['raw', 'repaired', 'match_key']) {
      const [row] = await warehouse.query(`SELECT ${column} AS v FROM etl_text_repairs WHERE run_id = 'run-wide' AND kind = 'user_agent'`);
      const want = wide[['raw', 'repaired', 'match_key'].indexOf(column) + 2];
      expect({ column, bytes: Buffer.byteLength(String(row.v)), same: row.v === want }).toEqual({ column, bytes: Buffer.byteLength(want), same: true });
    }
    expect(await warehouse.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name LIKE 'etl_append_%'")).toEqual([{ n: 0 }]);
  });

  test('text repair of a staged value of 30 KB (its raw, repaired and match key too long for one statement together)', async () => {
    const agent = `"${'Mozilla/5.0 (X11; Linux x86_64) '.repeat(940)}"`;
    await warehouse.execute([`DELETE FROM etl_text_repairs WHERE run_id = 'run-ua'`, `INSERT INTO etl_text_repairs (run_id, kind, raw) VALUES ('run-ua', 'user_agent', '${agent}')`]);
    await expect(storeRepairedText(warehouse, 'run-ua')).resolves.toEqual({ distinctValues: 1, repairedValues: 1 });
    const [row] = await warehouse.query("SELECT repaired AS v FROM etl_text_repairs WHERE run_id = 'run-ua'");
    const want = repairedForms('user_agent', agent).repaired;
    expect({ bytes: Buffer.byteLength(String(row.v)), same: row.v === want }).toEqual({ bytes: Buffer.byteLength(want), same: true });
  });

  test('with a tracker that knows the statement, a retried call attaches to it instead of submitting again', async () => {
    const api = new DataApi(settings);
    const sql = "INSERT INTO etl_runs (run_id, status) VALUES ('tracked', 'completed')";
    const ids: Record<string, string> = {};
    const tracker = (): StatementTracker => ({ find: (key) => ids[key], record: (key, id) => (ids[key] = id), waiting: () => undefined });
    try {
      emulator.hold(/'tracked'/);
      const first = api.run([sql], { tracker: tracker() });
      const held = await emulator.waitUntilHeld(/'tracked'/);
      expect(Object.values(ids)).toEqual([held]);
      // A second attempt while the first still runs: the same statement, not a new one.
      const second = api.run([sql], { tracker: tracker() });
      emulator.release();
      const [a, b] = await Promise.all([first, second]);
      expect(a.id).toBe(held);
      expect(b.id).toBe(held);
      expect(emulator.submissionCount(sql)).toBe(1);
      expect(await warehouse.query("SELECT COUNT(*) AS n FROM etl_runs WHERE run_id = 'tracked'")).toEqual([{ n: 1 }]);
    } finally {
      api.close();
    }
  });

  test('aborting a call cancels its statement on the server', async () => {
    emulator.hold(/'aborted'/);
    const controller = new AbortController();
    const call = warehouse.execute("INSERT INTO etl_runs (run_id) VALUES ('aborted')", { signal: controller.signal });
    const id = await emulator.waitUntilHeld(/'aborted'/);
    controller.abort(new Error('cancelled by the test'));
    await expect(call).rejects.toThrow('cancelled by the test');
    await emulator.statement(id)!.done;
    expect(emulator.statement(id)!.status).toBe('ABORTED');
    emulator.release();
  });
});
