/**
 * The Redshift behaviours the project relies on (docs/redshift.md, "What the emulator follows"),
 * each checked against the Data API emulator through the real SDK client and the project's
 * RedshiftWarehouse.
 */
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { parseRedshiftUri, type RedshiftSettings } from '../src/warehouse/redshift/uri';
import { sqlLiteral } from '../src/warehouse/sql';
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
});

afterAll(async () => {
  await warehouse?.close();
  await emulator?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

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
