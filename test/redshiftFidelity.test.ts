/**
 * The Redshift behaviours the project relies on (docs/redshift.md, "What the emulator follows"),
 * each checked against the Data API emulator through the real SDK client and the project's
 * RedshiftWarehouse.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { DataApi } from '../src/warehouse/redshift/dataApi';
import { parseRedshiftUri, type RedshiftSettings } from '../src/warehouse/redshift/uri';
import { sqlLiteral } from '../src/warehouse/sql';
import { SqlError } from '../src/warehouse/errors';
import type { StatementTracker } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, type S3Server } from './harness/s3';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';

let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator;
let settings: RedshiftSettings;
let warehouse: RedshiftWarehouse;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'rsfidelity'), s3: s3.settings });
  settings = parseRedshiftUri(`redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${emulator.endpoint}`);
  warehouse = new RedshiftWarehouse(settings);
  await s3.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
});

// Without this the emulator, S3 and the cluster outlive the file: jest force-exits the worker, and
// the cluster's exit hook (src/bench/postgresServer.ts) never runs, leaving a postgres behind.
afterAll(async () => {
  await warehouse?.close();
  await emulator?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

const BUCKET = 'fidelity';

async function put(key: string, body: string | Uint8Array): Promise<string> {
  await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return `s3://${BUCKET}/${key}`;
}

/** COPYs into a fresh table; resolves with the rows loaded, or rejects with the COPY's error. */
async function copyInto(table: string, columns: string, source: string, options: string): Promise<void> {
  await warehouse.execute(`DROP TABLE IF EXISTS ${table}`);
  await warehouse.execute(`CREATE TABLE ${table} (${columns})`);
  await warehouse.execute(`COPY ${table} FROM '${source}' IAM_ROLE default ${options}`);
}

/** The load errors of the latest COPY that had any. */
const lastLoadErrors = () =>
  warehouse.query(
    `SELECT TRIM(e.file_name) AS file, e.line_number AS line, TRIM(e.column_name) AS col, e.error_code AS code, TRIM(e.error_message) AS message ` +
      `FROM sys_load_error_detail e WHERE e.query_id = (SELECT MAX(query_id) FROM sys_load_error_detail) ORDER BY e.line_number`,
  );

describe('backslashes in string literals (QUOTE_LITERAL)', () => {
  test('a backslash in a plain literal escapes the next character, as on Redshift', async () => {
    expect(await warehouse.query("SELECT 'a\\\\b' AS two, 'it\\'s' AS quote, 'tab\\there' AS tab, 'x\\y' AS plain")).toEqual([
      { two: 'a\\b', quote: "it's", tab: 'tab\there', plain: 'xy' },
    ]);
    await expect(warehouse.query("SELECT 'trailing\\' AS v")).rejects.toMatchObject({ name: 'SqlError', message: /unterminated/ });
  });

  test("titles and user agents holding \\' or a trailing \\ round-trip through appendRows and literals", async () => {
    await warehouse.execute('CREATE TABLE literal_values (id INTEGER, title VARCHAR(256), agent VARCHAR(65535))');
    const rows = [
      [1, "Don\\'t Stop", 'Mozilla/5.0 \\'],
      [2, 'C:\\music\\', "agent 'quoted' \\\\ twice"],
      [3, "\\'; DROP TABLE literal_values; --", '\\'],
    ];
    expect(await warehouse.appendRows('literal_values', ['id', 'title', 'agent'], rows)).toBe(3);
    const back = await warehouse.query('SELECT id, title, agent FROM literal_values ORDER BY id');
    expect(back.map((r) => [r.id, r.title, r.agent])).toEqual(rows);
    // A value rendered without a dialect (shared SQL) means the same on every engine.
    for (const [id, title] of rows) {
      expect(await warehouse.query(`SELECT id FROM literal_values WHERE title = ${sqlLiteral(title)}`)).toEqual([{ id }]);
    }
  });
});

describe('identifiers (Names and identifiers)', () => {
  test('quoted and unquoted identifiers fold to lower case', async () => {
    await warehouse.execute('CREATE TABLE "MixedCase" ("UserId" INTEGER, Level VARCHAR(10))');
    await warehouse.execute(`INSERT INTO mixedcase (userid, "LEVEL") VALUES (7, 'free')`);
    expect(await warehouse.query('SELECT "USERID" AS "UserId", level FROM "MIXEDCASE"')).toEqual([{ userid: 7, level: 'free' }]);
  });
});

describe('VARCHAR lengths count bytes (Character types)', () => {
  test('an INSERT of a multi-byte value longer in bytes than the column fails; one that fits in bytes passes', async () => {
    await warehouse.execute('CREATE TABLE byte_limits (v VARCHAR(6), t TEXT)');
    await warehouse.execute(`INSERT INTO byte_limits (v) VALUES ('ééé')`); // 3 characters, 6 bytes
    await expect(warehouse.execute(`INSERT INTO byte_limits (v) VALUES ('éééé')`)).rejects.toMatchObject({
      name: 'SqlError',
      message: /value too long for type character varying\(6\)/,
    });
    // TEXT is VARCHAR(256) on Redshift: 129 two-byte characters are 258 bytes.
    await expect(warehouse.execute(`INSERT INTO byte_limits (t) VALUES ('${'é'.repeat(129)}')`)).rejects.toThrow(/character varying\(256\)/);
    expect(await warehouse.query('SELECT v FROM byte_limits')).toEqual([{ v: 'ééé' }]);
  });
});

describe('TIMESTAMP precision (Datetime types)', () => {
  test('TIMESTAMP keeps microseconds; epoch milliseconds convert exactly', async () => {
    const [row] = await warehouse.query(
      "SELECT CAST(CAST('2018-11-01 21:01:46.123456' AS TIMESTAMP) AS VARCHAR) AS micro, " +
        "TIMESTAMP 'epoch' + 1541106106796 * INTERVAL '1 millisecond' AS from_ms",
    );
    expect(row).toEqual({ micro: '2018-11-01 21:01:46.123456', from_ms: '2018-11-01T21:01:46.796Z' });
  });
});

describe('statements the emulator does not know are refused (allow-list)', () => {
  test.each([
    ['an unknown function', 'SELECT jsonb_build_object(1, 2)', /jsonb_build_object\(\) is not in the Redshift emulator's allow-list/],
    ['a PostgreSQL-only function', "SELECT string_agg('a', ',')", /string_agg\(\) is not in the Redshift emulator's allow-list/],
    ['an unknown statement', 'CREATE VIEW v AS SELECT 1', /CREATE VIEW .* is not among the statements the Redshift emulator allows/],
    ['UNLOAD', "UNLOAD ('SELECT 1') TO 's3://x/y' IAM_ROLE default", /UNLOAD is not supported/],
  ])('%s', async (_what, sql, message) => {
    await expect(warehouse.query(sql)).rejects.toThrow(message);
  });
});

describe('the Data API statement size limit (Considerations when calling the Data API)', () => {
  test('a SQL text over 100 KB is refused at submission, as an error not worth retrying', async () => {
    const big = `SELECT '${'x'.repeat(100 * 1024)}' AS v`;
    const refused = await warehouse.query(big).then(() => undefined, (err: unknown) => err as Error);
    // A SqlError: Temporal does not retry it (NON_RETRYABLE_ERROR_TYPES); the Data API's answer is its cause.
    expect(refused).toBeInstanceOf(SqlError);
    expect(refused).toMatchObject({ message: /ValidationException\): Cannot process query string larger than 100kB/, cause: { name: 'ValidationException' } });
    const fits = `SELECT LEN('${'x'.repeat(90_000)}') AS v`; // its result, not its text, fits a 64 KB row
    expect((await warehouse.query(fits))[0].v).toBe(90_000);
  });
});

describe('the Data API result row limit (Troubleshooting issues for Amazon Redshift Data API)', () => {
  test('a result row over 64 KB fails the statement ("Packet for query is too large"); one of 64 KB is returned', async () => {
    const over = `SELECT REPEAT('x', 40000) AS a, REPEAT('é', 12800) AS b`; // 40,000 + 25,600 bytes
    await expect(warehouse.query(over)).rejects.toThrow(/Packet for query is too large: row 1 of the result is 65600 bytes/);
    const [row] = await warehouse.query(`SELECT REPEAT('x', 40000) AS a, REPEAT('é', 12768) AS b`); // 65,536 bytes
    expect([String(row.a).length, String(row.b).length]).toEqual([40_000, 12_768]);
  });
});

describe("COPY JSON 'auto' and JSONPaths (COPY from JSON format)", () => {
  test("a missing field loads NULL either way; an array record needs JSONPaths; a nested value loads as its JSON text", async () => {
    const objects = await put('json/objects.json', '{"id": 1, "name": "a", "tags": ["x", "y"]}\n{"id": 2}\n');
    await copyInto('json_auto', 'id INTEGER, name VARCHAR(20), tags VARCHAR(50)', objects, "FORMAT AS JSON 'auto'");
    expect(await warehouse.query('SELECT id, name, tags FROM json_auto ORDER BY id')).toEqual([
      { id: 1, name: 'a', tags: '["x","y"]' },
      { id: 2, name: null, tags: null },
    ]);

    const arrays = await put('json/arrays.json', '[1, "a"]\n[2]\n');
    const paths = await put('paths/arrays.jsonpaths', JSON.stringify({ jsonpaths: ['$[0]', '$[1]'] }));
    await copyInto('json_paths', 'id INTEGER, name VARCHAR(20)', arrays, `FORMAT AS JSON '${paths}'`);
    expect(await warehouse.query('SELECT id, name FROM json_paths ORDER BY id')).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: null },
    ]);

    await expect(copyInto('json_arrays_auto', 'id INTEGER, name VARCHAR(20)', arrays, "FORMAT AS JSON 'auto'")).rejects.toThrow(/Load into table/);
    expect(await lastLoadErrors()).toEqual([
      expect.objectContaining({ line: 1, code: 1216, message: expect.stringMatching(/array record needs a JSONPaths file/) }),
      expect.objectContaining({ line: 2, code: 1216 }),
    ]);
  });
});

describe('MAXERROR (COPY data load parameters)', () => {
  test('up to MAXERROR bad records are skipped and the rest load; one more fails the whole COPY', async () => {
    const file = await put('maxerror/events.json', ['{"n": 1}', '{"n": "x"}', '{"n": 3}', '{"n": "y"}', '{"n": 5}'].join('\n'));
    await copyInto('max_two', 'n INTEGER', file, "FORMAT AS JSON 'auto' MAXERROR 2");
    expect(await warehouse.query('SELECT n FROM max_two ORDER BY n')).toEqual([{ n: 1 }, { n: 3 }, { n: 5 }]);
    expect((await lastLoadErrors()).map((e) => [e.line, e.col, e.code])).toEqual([
      [2, 'n', 1207],
      [4, 'n', 1207],
    ]);
    await expect(copyInto('max_one', 'n INTEGER', file, "FORMAT AS JSON 'auto' MAXERROR 1")).rejects.toThrow(/Load into table 'max_one' failed/);
    expect(await warehouse.query('SELECT COUNT(*) AS n FROM max_one')).toEqual([{ n: 0 }]);
  });
});

describe('invalid UTF-8 in a COPY record (Multibyte character load errors, ACCEPTINVCHARS)', () => {
  const bytes = Buffer.concat([Buffer.from('{"s": "ok"}\n{"s": "bad '), Buffer.from([0xa4]), Buffer.from('"}\n{"s": "caf\u00e9"}\n')]);

  test('fails the record (load error 1220) instead of silently replacing the byte', async () => {
    const file = await put('utf8/records.json', bytes);
    await expect(copyInto('utf8_strict', 's VARCHAR(20)', file, "FORMAT AS JSON 'auto'")).rejects.toThrow(/Load into table/);
    expect((await lastLoadErrors()).map((e) => [e.line, e.code, e.message])).toEqual([[2, 1220, expect.stringMatching(/invalid or unsupported UTF8.*a4/)]]);
  });

  test("with ACCEPTINVCHARS the byte becomes '?' (or the given character) and the record loads", async () => {
    const file = await put('utf8/records.json', bytes);
    await copyInto('utf8_accept', 's VARCHAR(20)', file, "FORMAT AS JSON 'auto' ACCEPTINVCHARS");
    expect((await warehouse.query('SELECT s FROM utf8_accept ORDER BY s')).map((r) => r.s)).toEqual(['bad ?', 'café', 'ok']);
    await copyInto('utf8_accept_star', 's VARCHAR(20)', file, "FORMAT AS JSON 'auto' ACCEPTINVCHARS AS '*'");
    expect(await warehouse.query("SELECT s FROM utf8_accept_star WHERE s LIKE 'bad%'")).toEqual([{ s: 'bad *' }]);
  });

  test('a multi-byte value over the column in bytes is a load error (1204), not a cut value', async () => {
    const file = await put('utf8/long.json', '{"s": "ééé"}\n{"s": "éééé"}\n');
    await copyInto('utf8_bytes', 's VARCHAR(6)', file, "FORMAT AS JSON 'auto' MAXERROR 1");
    expect(await warehouse.query('SELECT s FROM utf8_bytes')).toEqual([{ s: 'ééé' }]);
    expect((await lastLoadErrors()).map((e) => [e.line, e.code])).toEqual([[2, 1204]]);
  });
});

describe('per-file load records (STL_LOAD_COMMITS, SYS_LOAD_DETAIL)', () => {
  test('a committed COPY lists each file with its scanned lines; a failed one lists none', async () => {
    const a = await put('commits/a.json', '{"n": 1}\n{"n": 2}\n{"n": 3}\n');
    const b = await put('commits/b.json', '{"n": 4}\n');
    const manifest = await put('commits/files.manifest', JSON.stringify({ entries: [{ url: a, mandatory: true }, { url: b, mandatory: true }] }));
    await copyInto('commits', 'n INTEGER', manifest, "FORMAT AS JSON 'auto' MANIFEST");
    const [{ q }] = await warehouse.query('SELECT MAX(query_id) AS q FROM sys_load_detail');
    expect(await warehouse.query(`SELECT TRIM(file_name) AS f, lines_scanned FROM sys_load_detail WHERE query_id = ${q} ORDER BY 1`)).toEqual([
      { f: a, lines_scanned: 3 },
      { f: b, lines_scanned: 1 },
    ]);
    expect(await warehouse.query(`SELECT TRIM(filename) AS f, lines_scanned FROM stl_load_commits WHERE query = ${q} ORDER BY 1`)).toEqual([
      { f: a, lines_scanned: 3 },
      { f: b, lines_scanned: 1 },
    ]);
    const bad = await put('commits/bad.json', '{"n": "x"}\n');
    await expect(copyInto('commits_bad', 'n INTEGER', bad, "FORMAT AS JSON 'auto'")).rejects.toThrow(/Load into table/);
    expect(await warehouse.query(`SELECT COUNT(*) AS n FROM sys_load_detail WHERE TRIM(file_name) = '${bad}'`)).toEqual([{ n: 0 }]);
  });
});

describe('serializable isolation (Serializable isolation; error 1023)', () => {
  test('of two conflicting concurrent transactions the later to commit fails with 1023, and its retry re-submits and succeeds', async () => {
    await warehouse.execute(['CREATE TABLE ser_a (n INTEGER)', 'CREATE TABLE ser_b (n INTEGER)']);
    // Each reads the table the other writes: no serial order gives both results (write skew).
    const first = ['SELECT COUNT(*) FROM ser_a /* first */', 'INSERT INTO ser_b (n) SELECT COUNT(*) FROM ser_a'];
    const second = ['SELECT COUNT(*) FROM ser_b', 'INSERT INTO ser_a (n) SELECT COUNT(*) FROM ser_b'];
    const ids: Record<string, string> = {};
    const tracker = (): StatementTracker => ({ find: (key) => ids[key], record: (key, id) => (ids[key] = id), waiting: () => undefined });
    emulator.hold(/\/\* first \*\//);
    const attempt = warehouse.execute(first, { tracker: tracker() }).then(
      () => undefined,
      (err: Error) => err,
    );
    await emulator.waitUntilHeld(/\/\* first \*\//);
    await warehouse.execute(second);
    emulator.release();
    const failure = await attempt;
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).toMatch(/1023 DETAIL: Serializable isolation violation/);
    // Not a SqlError: the activity is retried, and the retry re-submits instead of re-attaching to the failed statement.
    expect(failure!.name).not.toBe('SqlError');
    const submittedBefore = emulator.submissionCount(first[0]);
    await warehouse.execute(first, { tracker: tracker() });
    expect(emulator.submissionCount(first[0])).toBe(submittedBefore + 1);
    expect(await warehouse.query('SELECT (SELECT COUNT(*) FROM ser_a) AS a, (SELECT COUNT(*) FROM ser_b) AS b')).toEqual([{ a: 1, b: 1 }]);
  });
});

describe('read-only transactions (BEGIN … READ ONLY; the Data API ExecutionMode)', () => {
  let api: DataApi;
  beforeAll(async () => {
    api = new DataApi(settings);
    await warehouse.execute(['CREATE TABLE ro_plays (n INTEGER)', 'INSERT INTO ro_plays VALUES (1)']);
  });
  afterAll(() => api?.close());

  test('in an AUTO_COMMIT batch, a write after BEGIN READ ONLY fails with Redshift\'s text and writes nothing; a read runs', async () => {
    const failure = await api.run(['BEGIN READ ONLY', 'DELETE FROM ro_plays', 'ROLLBACK'], {}, { executionMode: 'AUTO_COMMIT' }).catch((err: Error) => err);
    expect(failure).toMatchObject({ name: 'SqlError', statement: { SubStatements: [{ Status: 'FINISHED' }, { Status: 'FAILED', Error: 'ERROR: transaction is read-only' }, { Status: 'ABORTED' }] } });
    const read = await api.run(['BEGIN READ ONLY', 'SELECT COUNT(*) AS n FROM ro_plays', 'ROLLBACK'], {}, { executionMode: 'AUTO_COMMIT' });
    expect(await api.rows(read.subs[1].id)).toEqual([{ n: 1 }]);
  });

  test('a BEGIN inside the Data API\'s own transaction (ExecutionMode TRANSACTION) is refused: AWS documents nothing of it', async () => {
    await expect(api.run(['BEGIN READ ONLY', 'SELECT 1', 'ROLLBACK'])).rejects.toThrow(/transaction control in a statement the Data API runs as one transaction/);
  });
});
