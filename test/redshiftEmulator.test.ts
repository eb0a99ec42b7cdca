import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  DescribeStatementCommandOutput,
  ExecuteStatementCommand,
  ExecuteStatementCommandInput,
  GetStatementResultCommand,
  ListStatementsCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, PgServer, startPostgres } from './harness/postgres';
import { S3Server, startS3, uploadDirectory } from './harness/s3';
import { pollUntil } from './support/poll';
import { RedshiftEmulator, startRedshiftEmulator } from './support/redshift-emulator';

const SAMPLE = path.resolve(__dirname, '../../shared/data/udacity-sample');
const LOG_FILES = ['2018-11-03-events.json', '2018-11-04-events.json'].map((f) => path.join(SAMPLE, 'log_data/2018/11', f));
const SONG_DIR = path.join(SAMPLE, 'song_data');
const BUCKET = 'sparkify';

/** Records in a newline-delimited JSON file (the sample files have no trailing newline). */
const recordCount = (file: string): number => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;

const CONNECTION = { ClusterIdentifier: 'sparkify-test', DbUser: 'etl', Database: 'dev' } as const;

let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator;
let client: RedshiftDataClient;
let db: Client;

function newClient(maxAttempts = 1): RedshiftDataClient {
  return new RedshiftDataClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret' },
    maxAttempts,
  });
}

async function put(key: string, body: string): Promise<void> {
  await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function submit(sql: string, extra: Partial<ExecuteStatementCommandInput> = {}): Promise<string> {
  const out = await client.send(new ExecuteStatementCommand({ ...CONNECTION, Sql: sql, ...extra }));
  return out.Id!;
}

async function waitDone(id: string, timeoutMs = 30_000): Promise<DescribeStatementCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await client.send(new DescribeStatementCommand({ Id: id }));
    if (d.Status === 'FINISHED' || d.Status === 'FAILED' || d.Status === 'ABORTED') return d;
    if (Date.now() > deadline) throw new Error(`statement ${id} still ${d.Status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function waitStatus(id: string, status: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await client.send(new DescribeStatementCommand({ Id: id }))).Status !== status) {
    if (Date.now() > deadline) throw new Error(`statement ${id} never reached ${status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs one statement to completion and expects it to finish. */
async function run(sql: string, extra: Partial<ExecuteStatementCommandInput> = {}): Promise<DescribeStatementCommandOutput> {
  const d = await waitDone(await submit(sql, extra));
  if (d.Status !== 'FINISHED') throw new Error(`${sql} → ${d.Status}: ${d.Error}`);
  return d;
}

async function failureOf(sql: string): Promise<string> {
  const d = await waitDone(await submit(sql));
  expect(d.Status).toBe('FAILED');
  return d.Error ?? '';
}

async function count(table: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0].n);
}

beforeAll(async () => {
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  const url = await createTestDatabase(pg.url, 'rs_emulator');
  await uploadDirectory(s3, SONG_DIR, BUCKET, 'song_data/');
  for (const file of LOG_FILES) await put(`log_data/2018/11/${path.basename(file)}`, readFileSync(file, 'utf8'));
  emulator = await startRedshiftEmulator({ pgUrl: url, s3: s3.settings, pageSize: 3 });
  client = newClient();
  db = new Client({ connectionString: url });
  await db.connect();
});

afterAll(async () => {
  client?.destroy();
  await db?.end();
  await emulator?.stop();
  await Promise.all([s3?.stop(), pg?.stop()]);
});

describe('statements', () => {
  test('ExecuteStatement runs asynchronously; DescribeStatement and paginated GetStatementResult return typed fields', async () => {
    await run(`CREATE TABLE typed (i INTEGER NOT NULL, b BIGINT, f DOUBLE PRECISION, n NUMERIC(10,2), t VARCHAR(20), flag BOOLEAN, ts TIMESTAMP)`);
    const insert = await run(
      `INSERT INTO typed VALUES
        (1, 9007199254740991, 1.5, 12.34, 'one', true, '2018-11-01 21:01:46.796'),
        (2, NULL, -0.25, 0.10, 'two', false, NULL),
        (3, 3, 3, 3, 'three', NULL, '2018-11-30 00:00:00'),
        (4, 4, 4, 4, 'four', true, NULL), (5, 5, 5, 5, 'five', true, NULL),
        (6, 6, 6, 6, 'six', true, NULL), (7, 7, 7, 7, 'seven', true, NULL)`,
    );
    expect(insert.ResultRows).toBe(7);
    expect(insert.HasResultSet).toBe(false);

    const id = await submit('SELECT i, b, f, n, t, flag, ts FROM typed WHERE i >= :min ORDER BY i', {
      Parameters: [{ name: 'min', value: '1' }],
    });
    const d = await waitDone(id);
    expect(d).toMatchObject({ Status: 'FINISHED', HasResultSet: true, ResultRows: 7, QueryString: expect.stringContaining(':min') });
    expect(d.RedshiftQueryId).toBeGreaterThan(0);
    expect(d.RedshiftPid).toBeGreaterThan(0);
    expect(d.CreatedAt).toBeInstanceOf(Date);
    expect(d.QueryParameters).toEqual([{ name: 'min', value: '1' }]);

    const pages = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetStatementResultCommand({ Id: id, NextToken: token }));
      pages.push(page);
      token = page.NextToken;
    } while (token !== undefined);
    expect(pages.map((p) => p.Records!.length)).toEqual([3, 3, 1]);
    expect(pages[0].TotalNumRows).toBe(7);
    const records = pages.flatMap((p) => p.Records!);
    expect(records[0]).toEqual([
      { longValue: 1 },
      { longValue: 9007199254740991 },
      { doubleValue: 1.5 },
      { stringValue: '12.34' },
      { stringValue: 'one' },
      { booleanValue: true },
      { stringValue: '2018-11-01 21:01:46.796' },
    ]);
    expect(records[1][1]).toEqual({ isNull: true });
    expect(records[1][5]).toEqual({ booleanValue: false });
    const meta = pages[0].ColumnMetadata!;
    expect(meta.map((m) => [m.name, m.typeName])).toEqual([
      ['i', 'int4'],
      ['b', 'int8'],
      ['f', 'float8'],
      ['n', 'numeric'],
      ['t', 'varchar'],
      ['flag', 'bool'],
      ['ts', 'timestamp'],
    ]);
    expect(meta[0]).toMatchObject({ nullable: 0, tableName: 'typed', schemaName: 'public' });
    expect(meta[3]).toMatchObject({ precision: 10, scale: 2 });
    expect(meta[4]).toMatchObject({ length: 20, nullable: 1 });
  });

  test('a SQL error is a FAILED status carrying PostgreSQL\'s message, not an HTTP error', async () => {
    const id = await submit('SELECT * FROM no_such_table');
    const d = await waitDone(id);
    expect(d.Status).toBe('FAILED');
    expect(d.Error).toMatch(/^ERROR: relation "no_such_table" does not exist/);
    await expect(client.send(new GetStatementResultCommand({ Id: id }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('more than one statement in ExecuteStatement fails like the real Data API', async () => {
    expect(await failureOf('SELECT 1; SELECT 2')).toMatch(/cannot insert multiple commands into a prepared statement/);
  });

  test('request validation and unknown ids are API errors', async () => {
    await expect(client.send(new ExecuteStatementCommand({ Sql: 'SELECT 1', Database: 'dev' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client.send(new ExecuteStatementCommand({ Sql: 'SELECT 1', ClusterIdentifier: 'c', Database: 'dev' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client.send(new ExecuteStatementCommand({ ...CONNECTION, Sql: 'SELECT :missing' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client.send(new DescribeStatementCommand({ Id: '00000000-0000-0000-0000-000000000000' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    // Serverless identifiers work too.
    const d = await waitDone(await submit('SELECT 1', { ClusterIdentifier: undefined, DbUser: undefined, WorkgroupName: 'wg' }));
    expect(d).toMatchObject({ Status: 'FINISHED', WorkgroupName: 'wg' });
  });

  test('ClientToken makes ExecuteStatement idempotent: same id, executed once', async () => {
    await run('CREATE TABLE idem (x INT)');
    const sql = 'INSERT INTO idem VALUES (1)';
    const first = await client.send(new ExecuteStatementCommand({ ...CONNECTION, Sql: sql, ClientToken: 'token-1' }));
    const second = await client.send(new ExecuteStatementCommand({ ...CONNECTION, Sql: sql, ClientToken: 'token-1' }));
    expect(second.Id).toBe(first.Id);
    await waitDone(first.Id!);
    expect(await count('idem')).toBe(1);
    expect(emulator.submissionCount(sql)).toBe(1);
    await expect(client.send(new ExecuteStatementCommand({ ...CONNECTION, Sql: 'SELECT 2', ClientToken: 'token-1' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  test('submission counts record every submitted text', async () => {
    const sql = 'SELECT 42 AS answer';
    await run(sql);
    await run(sql);
    expect(emulator.submissionCount(sql)).toBe(2);
    expect(emulator.submissionCount(/42 AS answer/)).toBe(2);
    expect(emulator.submissions().get(sql)).toBe(2);
    const res = await fetch(`${emulator.endpoint}/__emulator/submissions`);
    expect(((await res.json()) as { submissions: Record<string, number> }).submissions[sql]).toBe(2);
  });

  test('CancelStatement aborts a running query: the statement ends ABORTED and its query stops on the server', async () => {
    // Ten minutes of sleep: it can only end within the test by being cancelled.
    const id = await submit('SELECT pg_sleep(600)');
    await waitStatus(id, 'STARTED');
    const sleeping = "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND state = 'active' AND pid <> pg_backend_pid()";
    expect((await db.query(sleeping)).rows).toEqual([{ n: 1 }]);
    expect((await client.send(new CancelStatementCommand({ Id: id }))).Status).toBe(true);
    const d = await waitDone(id);
    expect(d.Status).toBe('ABORTED');
    await pollUntil('the cancelled pg_sleep(600) to stop running on the server', async () => ((await db.query(sleeping)).rows[0].n === 0 ? true : undefined), {
      timeoutMs: 30_000,
    });
    await expect(client.send(new CancelStatementCommand({ Id: id }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  test('ListStatements lists recent statements', async () => {
    await run('SELECT 1', { StatementName: 'listed' });
    const out = await client.send(new ListStatementsCommand({ StatementName: 'listed' }));
    expect(out.Statements).toHaveLength(1);
    expect(out.Statements![0]).toMatchObject({ Status: 'FINISHED', QueryString: 'SELECT 1', IsBatchStatement: false });
  });
});

describe('BatchExecuteStatement', () => {
  test('runs all Sqls in one transaction with sub-statement ids', async () => {
    const out = await client.send(
      new BatchExecuteStatementCommand({
        ...CONNECTION,
        Sqls: ['CREATE TABLE batch_ok (x INT)', 'INSERT INTO batch_ok VALUES (1), (2)', 'SELECT count(*) AS n FROM batch_ok'],
      }),
    );
    const d = await waitDone(out.Id!);
    expect(d.Status).toBe('FINISHED');
    expect(d.HasResultSet).toBe(true);
    expect(d.SubStatements!.map((s) => [s.Id, s.Status])).toEqual([
      [`${out.Id}:1`, 'FINISHED'],
      [`${out.Id}:2`, 'FINISHED'],
      [`${out.Id}:3`, 'FINISHED'],
    ]);
    expect(d.SubStatements![1].ResultRows).toBe(2);
    const ids = d.SubStatements!.map((s) => s.RedshiftQueryId!);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const sub = await client.send(new DescribeStatementCommand({ Id: `${out.Id}:3` }));
    expect(sub).toMatchObject({ Id: `${out.Id}:3`, Status: 'FINISHED', HasResultSet: true, QueryString: 'SELECT count(*) AS n FROM batch_ok' });
    const result = await client.send(new GetStatementResultCommand({ Id: `${out.Id}:3` }));
    expect(result.Records).toEqual([[{ longValue: 2 }]]);
    await expect(client.send(new GetStatementResultCommand({ Id: out.Id }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  test('a batch is one session: its temp tables live until the batch ends', async () => {
    const out = await client.send(
      new BatchExecuteStatementCommand({
        ...CONNECTION,
        Sqls: ['CREATE TEMP TABLE scratch AS SELECT 1 AS x', 'INSERT INTO scratch VALUES (2)', 'SELECT sum(x) AS total FROM scratch', 'DROP TABLE scratch'],
      }),
    );
    expect((await waitDone(out.Id!)).Status).toBe('FINISHED');
    expect((await client.send(new GetStatementResultCommand({ Id: `${out.Id}:3` }))).Records).toEqual([[{ longValue: 3 }]]);
    await run('CREATE TEMP TABLE gone AS SELECT 1 AS x');
    expect(await failureOf('SELECT * FROM gone')).toMatch(/relation "gone" does not exist/);
  });

  test('a failing statement rolls back the earlier ones and fails the batch', async () => {
    const out = await client.send(
      new BatchExecuteStatementCommand({
        ...CONNECTION,
        Sqls: ['CREATE TABLE batch_rolled_back (x INT)', 'INSERT INTO batch_rolled_back VALUES (1)', 'INSERT INTO missing_table VALUES (1)', 'SELECT 1'],
      }),
    );
    const d = await waitDone(out.Id!);
    expect(d.Status).toBe('FAILED');
    expect(d.Error).toMatch(/Query #3 failed with ERROR: relation "missing_table" does not exist/);
    expect(d.SubStatements!.map((s) => s.Status)).toEqual(['FINISHED', 'FINISHED', 'FAILED', 'ABORTED']);
    expect(d.SubStatements![2].Error).toMatch(/missing_table/);
    const { rows } = await db.query(`SELECT to_regclass('batch_rolled_back') AS t`);
    expect(rows[0].t).toBeNull();
  });
});

describe('Redshift SQL translation', () => {
  test('DDL distribution, sort, encoding and IDENTITY attributes are translated', async () => {
    await run(`
      CREATE TABLE IF NOT EXISTS songplays (
        songplay_id INTEGER IDENTITY(0, 1) PRIMARY KEY,
        start_time TIMESTAMP NOT NULL SORTKEY,
        user_id INTEGER NOT NULL DISTKEY,
        level VARCHAR(10) ENCODE zstd,
        song_id VARCHAR(MAX),
        note TEXT
      ) DISTSTYLE KEY COMPOUND SORTKEY (start_time, user_id)`);
    await run(`CREATE TABLE users (user_id INT, first_name VARCHAR, UNIQUE (user_id)) DISTSTYLE ALL INTERLEAVED SORTKEY (user_id)`);
    await run(`CREATE TABLE time_dim (start_time TIMESTAMP NOT NULL, hour INT) DISTSTYLE AUTO SORTKEY AUTO`);
    await run(`CREATE TABLE ctas DISTSTYLE EVEN AS SELECT 1 AS x`);
    await run(`INSERT INTO songplays (start_time, user_id, level) VALUES (GETDATE(), 1, 'free'), (SYSDATE, 2, NVL(NULL, 'paid'))`);
    // Redshift only records key constraints: duplicates are accepted.
    await run(`INSERT INTO users VALUES (1, 'a'), (1, 'a')`);
    const { rows } = await db.query('SELECT songplay_id, level FROM songplays ORDER BY songplay_id');
    expect(rows).toEqual([
      { songplay_id: 0, level: 'free' },
      { songplay_id: 1, level: 'paid' },
    ]);
    expect(await failureOf(`INSERT INTO songplays (songplay_id, start_time, user_id) VALUES (5, GETDATE(), 1)`)).toMatch(/songplay_id/);
    // TEXT is VARCHAR(256) in Redshift.
    expect(await failureOf(`INSERT INTO songplays (start_time, user_id, note) VALUES (GETDATE(), 1, repeat('x', 300))`)).toMatch(/too long/);
  });

  test('unsupported Redshift constructs fail with a message naming them', async () => {
    expect(await failureOf(`UNLOAD ('SELECT * FROM typed') TO 's3://sparkify/unload/' IAM_ROLE default`)).toMatch(/UNLOAD is not supported/);
    expect(await failureOf(`COPY typed FROM 's3://sparkify/x.csv' IAM_ROLE default CSV`)).toMatch(/COPY option CSV is not supported/);
    expect(await failureOf(`INSERT INTO typed (i) VALUES (1) ON CONFLICT DO NOTHING`)).toMatch(/ON CONFLICT is PostgreSQL, not Redshift/);
    expect(await failureOf(`CREATE TABLE j (doc JSONB)`)).toMatch(/column type JSONB/);
    expect(await failureOf(`SELECT * FROM svv_table_info`)).toMatch(/svv_table_info is not emulated/);
  });
});

const STAGING_EVENTS = `
  CREATE TABLE staging_events (
    artist VARCHAR(256), auth VARCHAR(32), first_name VARCHAR(64), gender CHAR(1), item_in_session INTEGER,
    last_name VARCHAR(64), length DOUBLE PRECISION, level VARCHAR(8), location VARCHAR(256), method VARCHAR(8),
    page VARCHAR(32), registration DOUBLE PRECISION, session_id INTEGER, song VARCHAR(256), status INTEGER, ts TIMESTAMP,
    user_agent VARCHAR(512), user_id INTEGER
  ) DISTSTYLE EVEN`;
const JSONPATHS = {
  jsonpaths: [
    "$['artist']", '$.auth', "$['firstName']", "$['gender']", "$['itemInSession']", "$['lastName']", "$['length']",
    "$['level']", "$['location']", "$['method']", "$['page']", "$['registration']", "$['sessionId']", "$['song']",
    "$['status']", "$['ts']", "$['userAgent']", "$['userId']",
  ],
};

describe('COPY from the loopback S3', () => {
  beforeAll(async () => {
    await put('config/log_jsonpath.json', JSON.stringify(JSONPATHS));
    await put(
      'manifests/events.manifest',
      JSON.stringify({ entries: LOG_FILES.map((f) => ({ url: `s3://${BUCKET}/log_data/2018/11/${path.basename(f)}`, mandatory: true })) }),
    );
    await run(STAGING_EVENTS);
  });

  test('JSONPaths + MANIFEST loads every event of the listed log files', async () => {
    const d = await run(`
      COPY staging_events FROM 's3://${BUCKET}/manifests/events.manifest'
      IAM_ROLE 'arn:aws:iam::123456789012:role/sparkify' FORMAT AS JSON 's3://${BUCKET}/config/log_jsonpath.json'
      MANIFEST REGION 'us-west-2' TIMEFORMAT 'epochmillisecs' EMPTYASNULL BLANKSASNULL TRUNCATECOLUMNS`);
    const expected = LOG_FILES.reduce((n, f) => n + recordCount(f), 0);
    expect(d.ResultRows).toBe(expected);
    expect(await count('staging_events')).toBe(expected);
    const first = JSON.parse(readFileSync(LOG_FILES[0], 'utf8').split('\n')[0]) as Record<string, unknown>;
    const { rows } = await db.query(
      `SELECT first_name, user_id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.MS') AS ts FROM staging_events WHERE ts = to_timestamp($1 / 1000.0) AT TIME ZONE 'UTC' AND session_id = $2 AND item_in_session = $3`,
      [first.ts, first.sessionId, first.itemInSession],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].first_name).toBe(first.firstName);
    expect(rows[0].ts).toBe(new Date(first.ts as number).toISOString().replace('T', ' ').replace('Z', ''));
    // Logged-out events have userId "": loaded as NULL.
    const { rows: nulls } = await db.query(`SELECT count(*)::int AS n FROM staging_events WHERE user_id IS NULL`);
    expect(nulls[0].n).toBeGreaterThan(0);
  });

  test("JSON 'auto' maps lower-case keys to columns (song files, key prefix)", async () => {
    await run(`
      CREATE TABLE staging_songs (
        num_songs INTEGER, artist_id VARCHAR(32), artist_latitude DOUBLE PRECISION, artist_longitude DOUBLE PRECISION,
        artist_location VARCHAR(512), artist_name VARCHAR(512), song_id VARCHAR(32), title VARCHAR(512),
        duration DOUBLE PRECISION, year INTEGER)`);
    const d = await run(`COPY staging_songs FROM 's3://${BUCKET}/song_data/A/B' IAM_ROLE default JSON 'auto'`);
    const expected = (readdirSync(path.join(SONG_DIR, 'A/B'), { recursive: true }) as string[]).filter((f) => f.endsWith('.json')).length;
    expect(d.ResultRows).toBe(expected);
    expect(await count('staging_songs')).toBe(expected);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM staging_songs WHERE song_id IS NULL OR artist_id IS NULL`);
    expect(rows[0].n).toBe(0);
  });

  test("JSON 'auto' is case-sensitive: camelCase keys only map with 'auto ignorecase'", async () => {
    await run('CREATE TABLE events_auto (firstname VARCHAR(64), iteminsession INTEGER, page VARCHAR(32), ts BIGINT)');
    const source = `s3://${BUCKET}/log_data/2018/11/2018-11-03`;
    const strict = await run(`COPY events_auto FROM '${source}' IAM_ROLE default JSON 'auto'`);
    const { rows: a } = await db.query('SELECT count(firstname)::int AS names, count(page)::int AS pages FROM events_auto');
    expect(a[0]).toEqual({ names: 0, pages: strict.ResultRows });
    await run('TRUNCATE events_auto');
    await run(`COPY events_auto FROM '${source}' IAM_ROLE default JSON 'auto ignorecase'`);
    const { rows: b } = await db.query('SELECT count(iteminsession)::int AS items, count(*)::int AS n FROM events_auto');
    expect(b[0]).toEqual({ items: recordCount(LOG_FILES[0]), n: recordCount(LOG_FILES[0]) });
  });

  test('a malformed record fails the COPY with MAXERROR 0 and is recorded in the load-error tables', async () => {
    const lines = readFileSync(LOG_FILES[0], 'utf8').split('\n').slice(0, 4);
    lines[2] = lines[2].slice(0, 40); // truncated JSON on line 3
    await put('bad/events.json', lines.join('\n'));
    await run('CREATE TABLE staging_bad (LIKE staging_events)');
    const copy = (maxError: number): string =>
      `COPY staging_bad FROM 's3://${BUCKET}/bad/' IAM_ROLE default FORMAT AS JSON 's3://${BUCKET}/config/log_jsonpath.json' TIMEFORMAT 'epochmillisecs' MAXERROR ${maxError}`;

    const failed = await waitDone(await submit(copy(0)));
    expect(failed.Status).toBe('FAILED');
    expect(failed.Error).toBe("ERROR: Load into table 'staging_bad' failed. Check 'sys_load_error_detail' system table for details.");
    expect(await count('staging_bad')).toBe(0);

    const errors = await run(
      `SELECT query_id, trim(file_name) AS file_name, line_number, error_code, trim(error_message) AS error_message
         FROM sys_load_error_detail WHERE query_id = ${failed.RedshiftQueryId}`,
    );
    const result = await client.send(new GetStatementResultCommand({ Id: errors.Id }));
    expect(result.Records).toEqual([
      [
        { longValue: failed.RedshiftQueryId },
        { stringValue: `s3://${BUCKET}/bad/events.json` },
        { longValue: 3 },
        { longValue: 1216 },
        { stringValue: expect.stringMatching(/^Invalid JSON object/) },
      ],
    ]);

    const ok = await run(copy(10));
    expect(ok.ResultRows).toBe(3);
    expect(await count('staging_bad')).toBe(3);
    const { rows } = await db.query(
      `SELECT query, trim(filename) AS filename, line_number, err_code, trim(raw_line) AS raw_line FROM redshift_emulator.stl_load_errors WHERE query = $1`,
      [ok.RedshiftQueryId],
    );
    expect(rows).toEqual([{ query: ok.RedshiftQueryId, filename: `s3://${BUCKET}/bad/events.json`, line_number: '3', err_code: 1216, raw_line: lines[2] }]);
  });

  test('a value that does not convert is a load error naming the column', async () => {
    await put('bad-value/events.json', JSON.stringify({ artist: 'x', sessionId: 'not-a-number', ts: 1541105830796 }));
    await run('CREATE TABLE staging_bad_value (LIKE staging_events)');
    const d = await waitDone(
      await submit(`COPY staging_bad_value FROM 's3://${BUCKET}/bad-value/' IAM_ROLE default JSON 's3://${BUCKET}/config/log_jsonpath.json' TIMEFORMAT 'epochmillisecs'`),
    );
    expect(d.Status).toBe('FAILED');
    const { rows } = await db.query(
      `SELECT trim(colname) AS colname, trim(type) AS type, trim(raw_field_value) AS raw, err_code FROM redshift_emulator.stl_load_errors WHERE query = $1`,
      [d.RedshiftQueryId],
    );
    expect(rows).toEqual([{ colname: 'session_id', type: 'int4', raw: 'not-a-number', err_code: 1207 }]);
  });
});

describe('test controls', () => {
  test('hold keeps a statement STARTED with its transaction open until released', async () => {
    await run('CREATE TABLE held_rows (x INT)');
    emulator.hold(/INSERT INTO held_rows/);
    const id = await submit('INSERT INTO held_rows VALUES (1)');
    expect(await emulator.waitUntilHeld(/held_rows/)).toBe(id);
    expect((await client.send(new DescribeStatementCommand({ Id: id }))).Status).toBe('STARTED');
    expect(await count('held_rows')).toBe(0);
    emulator.release(/INSERT INTO held_rows/);
    expect((await waitDone(id)).Status).toBe('FINISHED');
    expect(await count('held_rows')).toBe(1);
  });

  test('cancelling a held statement rolls it back', async () => {
    emulator.hold('INSERT INTO held_rows VALUES \\(2\\)');
    const id = await submit('INSERT INTO held_rows VALUES (2)');
    await emulator.waitUntilHeld('held_rows');
    await client.send(new CancelStatementCommand({ Id: id }));
    expect((await waitDone(id)).Status).toBe('ABORTED');
    emulator.release();
    expect(await count('held_rows')).toBe(1);
  });

  test('injected throttling surfaces as the SDK exceptions', async () => {
    emulator.injectThrottling(1);
    await expect(client.send(new ExecuteStatementCommand({ ...CONNECTION, Sql: 'SELECT 1' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    emulator.injectThrottling(1, 'ActiveStatementsExceededException');
    await expect(client.send(new ExecuteStatementCommand({ ...CONNECTION, Sql: 'SELECT 1' }))).rejects.toMatchObject({
      name: 'ActiveStatementsExceededException',
    });
    // The same control over HTTP, for tests whose emulator runs in another process.
    const res = await fetch(`${emulator.endpoint}/__emulator/throttle`, { method: 'POST', body: JSON.stringify({ count: 1 }) });
    expect(res.status).toBe(200);
    await expect(client.send(new DescribeStatementCommand({ Id: 'x' }))).rejects.toMatchObject({ name: 'ThrottlingException' });
    // The SDK's standard retry rides out throttling; the statement is submitted once.
    const retrying = newClient(3);
    try {
      emulator.injectThrottling(2);
      const sql = 'SELECT 7 AS after_throttling';
      const out = await retrying.send(new ExecuteStatementCommand({ ...CONNECTION, Sql: sql }));
      expect((await waitDone(out.Id!)).Status).toBe('FINISHED');
      expect(emulator.submissionCount(sql)).toBe(1);
    } finally {
      retrying.destroy();
    }
  });
});
