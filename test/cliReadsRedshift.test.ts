/**
 * `sparkify sql` (the built CLI) on a Redshift warehouse refuses a statement that would write, as
 * on DuckDB and PostgreSQL. It ran one as given: `sparkify sql --warehouse redshift-data://… "DELETE
 * FROM songplays"` deleted the rows. Now each statement runs in a read-only transaction (BEGIN READ
 * ONLY … ROLLBACK, one AUTO_COMMIT batch), on the Data API emulator, which refuses a write there
 * with Redshift's text and refuses a BEGIN inside the Data API's own transaction.
 */
import { execFile } from 'node:child_process';
import { Client } from 'pg';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';
import { SPARKIFY_BIN as BIN } from './support/cli';


let pg: PgServer;
let emulator: RedshiftEmulator;
let warehouse: string;
beforeAll(async () => {
  pg = await startPostgres();
  const database = await createTestDatabase(pg.url, 'cli_reads_rs');
  const admin = new Client({ connectionString: database });
  await admin.connect();
  try {
    await admin.query("CREATE TABLE songplays (songplay_id varchar(32)); INSERT INTO songplays VALUES ('a'), ('b')");
  } finally {
    await admin.end();
  }
  // No COPY here: the emulator's S3 is never reached.
  emulator = await startRedshiftEmulator({ pgUrl: database, s3: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true } });
  warehouse = `redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${encodeURIComponent(emulator.endpoint)}`;
});
afterAll(async () => {
  await emulator?.stop();
  await pg?.stop();
});

/** The CLI, run asynchronously: the emulator answers from this process. */
function sparkify(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn', AWS_ACCESS_KEY_ID: 'emulator', AWS_SECRET_ACCESS_KEY: 'emulator' };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, env }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const rowsLeft = () => sparkify(['sql', '--warehouse', warehouse, '--json', 'SELECT COUNT(*) AS n FROM songplays']);

test('sql answers a query', async () => {
  const r = await rowsLeft();
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('[{"n":2}]\n');
});

test.each([
  ['DELETE', "DELETE FROM songplays WHERE songplay_id = 'a'"],
  ['INSERT', "INSERT INTO songplays VALUES ('c')"],
  ['DROP TABLE', 'DROP TABLE songplays'],
])('sql refuses %s, exit 2, and writes nothing', async (_kind, statement) => {
  const r = await sparkify(['sql', '--warehouse', warehouse, statement]);
  expect(r.stderr).toBe(
    'sparkify: redshift-data://workgroup/etl/dev is opened read-only by the commands that read it, and the statement would write to it: ' +
      'sparkify sql runs queries only; the pipeline (sparkify run) writes the warehouse\n',
  );
  expect(r.status).toBe(2);
  expect((await rowsLeft()).stdout).toBe('[{"n":2}]\n');
});

test('insights reads through the same read-only transactions: a warehouse without the star tables is told as such', async () => {
  const r = await sparkify(['insights', '--warehouse', warehouse]);
  expect(r.stderr).toMatch(/^sparkify: redshift-data:\/\/workgroup\/etl\/dev has not been loaded yet \(no users, songs, artists, time tables\)/);
  expect(r.status).toBe(2);
});

describe('sql with several statements', () => {
  // The Data API ran them, or refused them with its own words after the call; refused before it now.
  test('is refused before the call, saying to give one statement at a time, and runs none', async () => {
    const r = await sparkify(['sql', '--warehouse', warehouse, "SELECT 1; DELETE FROM songplays WHERE songplay_id = 'a'"]);
    expect(r.stderr).toBe('sparkify: the query holds more than one statement: sparkify sql runs one at a time, so give each on its own\n');
    expect(r.status).toBe(2);
    expect((await rowsLeft()).stdout).toBe('[{"n":2}]\n');
  });

  test('one statement with semicolons in a literal, a quoted name and comments runs', async () => {
    const r = await sparkify(['sql', '--warehouse', warehouse, '--json', `SELECT ';' AS "a;b" /* ; */ -- ;\n;`]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('[{"a;b":";"}]\n');
  });
});
