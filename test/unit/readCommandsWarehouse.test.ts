/**
 * `sparkify sql` and `sparkify insights` only read a warehouse. On a duckdb: path with nothing
 * there they created the folder and an empty database, then answered from it (or failed with
 * DuckDB's "Table with name songplays does not exist! Did you mean pg_class"); now they refuse, as
 * other usage errors do, and create nothing. On a warehouse no load has filled, insights says so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { capturedOutput } from './support/capturedOutput';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-read-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const output = capturedOutput();

const sparkify = (...args: string[]) => main(['node', 'sparkify', ...args]);

test.each([
  ['sql', 'SELECT 1 AS n'],
  ['insights'],
])('%s on a duckdb: path with nothing there refuses and creates nothing', async (command, ...args) => {
  const file = path.join(dir, 'nothing-here', 'wh.duckdb');
  expect(await sparkify(command, '--warehouse', `duckdb:${file}`, ...args)).toBe(2);
  expect(output.stderr()).toBe(`sparkify: no DuckDB warehouse at ${file} (run a load first: sparkify run --source DIR --warehouse duckdb:${file})\n`);
  expect(fs.existsSync(path.dirname(file))).toBe(false);
});

describe('a DuckDB warehouse no load has filled', () => {
  let file: string;
  beforeAll(async () => {
    file = path.join(dir, 'empty.duckdb');
    const warehouse = await DuckDbWarehouse.open(file);
    await warehouse.close();
  });

  test('insights says it has not been loaded yet', async () => {
    expect(await sparkify('insights', '--warehouse', `duckdb:${file}`)).toBe(2);
    expect(output.stderr()).toBe(
      `sparkify: duckdb:${file} has not been loaded yet (no songplays, users, songs, artists, time tables): run a load first: sparkify run --source DIR --warehouse duckdb:${file}\n`,
    );
  });

  test('sql still answers from it', async () => {
    expect(await sparkify('sql', '--warehouse', `duckdb:${file}`, '--json', 'SELECT 42 AS n')).toBe(0);
    expect(output.stdout()).toBe('[{"n":42}]\n');
  });
});

test('insights on a warehouse an earlier release loaded (star tables, not the bookkeeping tables it reads) says to run a load first', async () => {
  const file = path.join(dir, 'older.duckdb');
  const warehouse = await DuckDbWarehouse.open(file);
  try {
    for (const table of ['songplays', 'users', 'songs', 'artists', 'time', 'etl_runs', 'etl_rejected_records', 'etl_quality_results']) {
      await warehouse.execute(`CREATE TABLE ${table} (x INTEGER)`);
    }
  } finally {
    await warehouse.close();
  }
  expect(await sparkify('insights', '--warehouse', `duckdb:${file}`)).toBe(2);
  expect(output.stderr()).toBe(
    `sparkify: duckdb:${file} was loaded by an earlier release of sparkify-etl (no etl_play_names, etl_songplay_names tables): run one load with this ` +
      `release first (it creates the tables this release keeps), e.g. sparkify run --date YYYY-MM-DD --source DIR --warehouse duckdb:${file}\n`,
  );
});
