/**
 * `sparkify sql` and `sparkify insights` only read a warehouse. On a duckdb: path with nothing
 * there they created the folder and an empty database, then answered from it (or failed with
 * DuckDB's "Table with name songplays does not exist! Did you mean pg_class"); now they refuse, as
 * other usage errors do, and create nothing. On a warehouse no load has filled, insights says so.
 * They opened a DuckDB file read-write: a user who may only read the file got "Permission denied",
 * and a second reader "is open in another process". Now they open it read-only.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { INSIGHTS_ETL_TABLES, requireInsightsTables } from '../../src/cli/readWarehouse';
import { STAR_TABLES } from '../../src/etl/dag';
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

describe('a DuckDB warehouse another process reads', () => {
  let file: string;
  let reader: ReturnType<typeof spawn>;
  beforeAll(async () => {
    file = path.join(dir, 'shared.duckdb');
    const warehouse = await DuckDbWarehouse.open(file);
    try {
      await warehouse.execute(['CREATE TABLE songplays (songplay_id VARCHAR)', "INSERT INTO songplays VALUES ('a'), ('b')"]);
    } finally {
      await warehouse.close();
    }
    // Another reader holds the file read-only for the whole describe, as a second `sparkify sql` would.
    reader = spawn(process.execPath, ['-e', `
      const { DuckDBInstance } = require('@duckdb/node-api');
      DuckDBInstance.create(${JSON.stringify(file)}, { access_mode: 'READ_ONLY' }).then(() => process.stdout.write('open\\n'));
      setInterval(() => {}, 1000);
    `], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      reader.stdout?.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
      reader.once('exit', (code) => reject(new Error(`the reader exited (${code})`)));
    });
  });
  afterAll(() => reader.kill('SIGKILL'));

  test('sql reads it too', async () => {
    expect(await sparkify('sql', '--warehouse', `duckdb:${file}`, '--json', 'SELECT COUNT(*) AS n FROM songplays')).toBe(0);
    expect(output.stdout()).toBe('[{"n":2}]\n');
  });

  test('insights gets past opening it (to the tables it lacks)', async () => {
    expect(await sparkify('insights', '--warehouse', `duckdb:${file}`)).toBe(2);
    expect(output.stderr()).toContain(`sparkify: duckdb:${file} has not been loaded yet (no users, songs, artists, time tables)`);
  });

  test('sql refuses a write, saying the warehouse is opened read-only', async () => {
    expect(await sparkify('sql', '--warehouse', `duckdb:${file}`, "DELETE FROM songplays WHERE songplay_id = 'a'")).toBe(2);
    expect(output.stderr()).toBe(
      `sparkify: duckdb:${file} is opened read-only by the commands that read it, and the DELETE statement would write to it: ` +
        'sparkify sql runs queries only; the pipeline (sparkify run) writes the warehouse\n',
    );
  });
});

test('in one process, a file open read-only is not opened to write beside it (DuckDB\'s lock would let it)', async () => {
  const file = path.join(dir, 'reader-first.duckdb');
  await (await DuckDbWarehouse.open(file)).close();
  const reader = await DuckDbWarehouse.open(file, {}, 'read-only');
  try {
    await expect(DuckDbWarehouse.open(file)).rejects.toThrow(`duckdb:${file} is open read-only in this process: close that warehouse before opening it to write`);
  } finally {
    await reader.close();
  }
  await (await DuckDbWarehouse.open(file)).close();
});

test("insights asks the catalog once for the tables it reads and etl_runs' report_error column", async () => {
  const file = path.join(dir, 'catalog-once.duckdb');
  const warehouse = await DuckDbWarehouse.open(file);
  try {
    for (const table of [...STAR_TABLES, ...INSIGHTS_ETL_TABLES]) await warehouse.execute(`CREATE TABLE ${table} (x INTEGER)`);
    const query = jest.spyOn(warehouse, 'query');
    expect(await requireInsightsTables(warehouse)).toEqual({ reportErrorColumn: false });
    await warehouse.execute('ALTER TABLE etl_runs ADD COLUMN report_error VARCHAR');
    expect(await requireInsightsTables(warehouse)).toEqual({ reportErrorColumn: true });
    expect(query).toHaveBeenCalledTimes(2);
  } finally {
    await warehouse.close();
  }
});
