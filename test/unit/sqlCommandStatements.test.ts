/**
 * `sparkify sql` runs one statement. Given several, DuckDB ran them all and printed the last
 * result alone; now they are refused before any runs, as on PostgreSQL (test/cliReadsPostgres.test.ts).
 * A syntax error began "Failed to extract statements"; now it says it is one in the given SQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { capturedOutput } from './support/capturedOutput';

let dir: string;
let file: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-sql-'));
  file = path.join(dir, 'wh.duckdb');
  await (await DuckDbWarehouse.open(file)).close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const output = capturedOutput();

const sql = (...args: string[]) => main(['node', 'sparkify', 'sql', '--warehouse', `duckdb:${file}`, ...args]);

test('several statements are refused, and none of them runs', async () => {
  expect(await sql('CREATE TABLE made (a INTEGER); SELECT 2 AS b')).toBe(2);
  expect(output.stderr()).toBe('sparkify: the query holds more than one statement: sparkify sql runs one at a time, so give each on its own\n');
  expect(output.stdout()).toBe('');
  expect(await sql('--json', "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'made'")).toBe(0);
  expect(output.stdout()).toBe('[{"n":0}]\n');
});

test('one statement, with or without its semicolon, prints its rows; dates and intervals as DuckDB writes them', async () => {
  expect(await sql("SELECT DATE '2026-12-04' AS d, INTERVAL '1 day 2 hours' AS i;")).toBe(0);
  expect(output.stdout()).toBe('d           i\n----------  --------------\n2026-12-04  1 day 02:00:00\n(1 row)\n');
});

test('a syntax error is named as one in the given SQL, with DuckDB\'s position', async () => {
  expect(await sql('SELEC 1 FROM x')).toBe(1);
  expect(output.stderr()).toBe('sparkify: syntax error in the given SQL: syntax error at or near "SELEC"\n\nLINE 1: SELEC 1 FROM x\n        ^\n');
  expect(await sql("SELECT 'open")).toBe(1);
  expect(output.stderr()).toMatch(/sparkify: syntax error in the given SQL: unterminated quoted string at or near "'open"\n\nLINE 1: SELECT 'open\n +\^\n$/);
});
