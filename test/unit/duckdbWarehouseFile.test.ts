/**
 * A duckdb: path that holds something other than a DuckDB database. DuckDB opened a JSON, CSV or
 * Parquet file as an in-memory database with a view over it, so a run "completed" and kept
 * nothing, and the doctor called the path fine. Now the warehouse refuses it before anything runs,
 * as a setting the user got wrong, and the doctor and the run's start checks name it.
 * A DuckDB file with the right header and damaged content is refused the same way, at open.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStartChecks } from '../../src/doctor';
import { checkDuckDbPath } from '../../src/doctor/local';
import { ConfigError, NON_RETRYABLE_ERROR_TYPES } from '../../src/errors';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';

// Made when the file loads: test.each below writes its files while the tests are collected.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-duckdb-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const EVENTS = '{"artist":"A","auth":"Logged In","page":"NextSong","ts":1541903636796,"userId":"39"}\n';

/** Files that are not DuckDB databases, whatever their names say. */
function notDuckDb(): [string, string][] {
  const files: [string, string][] = [
    ['events.json', EVENTS],
    ['events.csv', 'a,b\n1,2\n'],
    ['looks-right.duckdb', 'hello\n'],
    ['empty.duckdb', ''],
  ];
  return files.map(([name, content]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return [name, file];
  });
}

async function openFailure(file: string): Promise<Error> {
  return DuckDbWarehouse.open(file).then(
    async (warehouse) => {
      await warehouse.close();
      return new Error(`${file} opened`);
    },
    (err: Error) => err,
  );
}

test.each(notDuckDb())('%s is refused, naming the path, as a non-retryable setting', async (_name, file) => {
  const err = await openFailure(file);
  expect(err).toBeInstanceOf(ConfigError);
  expect(NON_RETRYABLE_ERROR_TYPES).toContain(err.name);
  expect(err.message).toBe(`warehouse duckdb:${file}: ${file} exists and is not a DuckDB database file: give --warehouse duckdb:<path> the path of a DuckDB database file, or of one to create`);

  const check = checkDuckDbPath(file);
  expect(check.status).toBe('problem');
  // Titled for what failed: the file is there and writable, but is not a DuckDB database.
  expect(check.title).toBe('DuckDB path holds a DuckDB database');
  expect(check.detail).toBe(`${file} exists and is not a DuckDB database file`);
  expect(await runStartChecks({ warehouse: `duckdb:${file}`, s3: {} })).toEqual([check]);
});

test('a directory is refused the same way', async () => {
  const sub = path.join(dir, 'wh');
  fs.mkdirSync(sub);
  const err = await openFailure(sub);
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.message).toContain(`warehouse duckdb:${sub}: ${sub} is a directory, not a DuckDB database file`);
  expect(checkDuckDbPath(sub)).toMatchObject({ status: 'problem', title: 'DuckDB path holds a DuckDB database', detail: `${sub} is a directory, not a DuckDB database file` });
});

test('a DuckDB file, one to be created, and one DuckDB created are all fine', async () => {
  const file = path.join(dir, 'new', 'wh.duckdb');
  expect(checkDuckDbPath(file).status).toBe('ok');
  const created = await DuckDbWarehouse.open(file);
  try {
    await created.execute('CREATE TABLE t (a INTEGER)');
  } finally {
    await created.close();
  }
  // The header DuckDB wrote is what the check looks for.
  expect(fs.readFileSync(file).subarray(8, 12).toString('latin1')).toBe('DUCK');
  expect(checkDuckDbPath(file).status).toBe('ok');
  const reopened = await DuckDbWarehouse.open(file);
  try {
    expect(await reopened.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 0 }]);
  } finally {
    await reopened.close();
  }
});

test('a file with the header and damaged content is refused as a non-retryable setting, naming it, not as one open elsewhere', async () => {
  const file = path.join(dir, 'damaged.duckdb');
  const created = await DuckDbWarehouse.open(file);
  try {
    await created.execute('CREATE TABLE t AS SELECT range AS a FROM range(1000)');
  } finally {
    await created.close();
  }
  // Keep the first page (magic and version), overwrite the rest: DuckDB's checksums catch it.
  const bytes = fs.readFileSync(file);
  bytes.fill(7, 4096);
  fs.writeFileSync(file, bytes);
  expect(checkDuckDbPath(file).status).toBe('ok');

  const err = await openFailure(file);
  expect(err).toBeInstanceOf(ConfigError);
  expect(NON_RETRYABLE_ERROR_TYPES).toContain(err.name);
  expect(err.message).toMatch(new RegExp(`^warehouse duckdb:${file}: the file is damaged, and DuckDB cannot open it: .*: restore it from a backup`));
  expect(err.message).not.toContain('another process');
});

test('a file another process holds is named as such, and left retryable', async () => {
  const file = path.join(dir, 'held.duckdb');
  const holder = spawn(process.execPath, ['-e', `
    const { DuckDBInstance } = require('@duckdb/node-api');
    DuckDBInstance.create(${JSON.stringify(file)}).then(() => process.stdout.write('open\\n'));
    setInterval(() => {}, 1000);
  `], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
      holder.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
    });
    const err = await openFailure(file);
    expect(err).not.toBeInstanceOf(ConfigError);
    expect(NON_RETRYABLE_ERROR_TYPES).not.toContain(err.name);
    expect(err.message).toMatch(new RegExp(`^duckdb:${file} is open in another process \\(a DuckDB file has one writer\\): .*Could not set lock`));
  } finally {
    holder.kill('SIGKILL');
  }
});

test('a path under a file is titled for the write it cannot make', () => {
  const plain = path.join(dir, 'plain-file');
  fs.writeFileSync(plain, 'x');
  expect(checkDuckDbPath(path.join(plain, 'wh.duckdb'))).toMatchObject({ status: 'problem', title: 'DuckDB path writable', detail: `${plain} is not writable (ENOTDIR)` });
});
