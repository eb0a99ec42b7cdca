import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SCHEMA_VERSION } from '../src/etl/versions';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import type { Warehouse } from '../src/warehouse/types';
import { copySampleDays } from './support/sampleDays';
import { dumpStarTables } from './support/tables';
import { runSparkify } from './support/cli';
import { withOpenedWarehouse } from './harness/openedWarehouse';

/**
 * The schema version a warehouse records (etl_schema_version, src/etl/versions.ts), through the
 * built CLI (`sparkify run`, embedded server and worker) on DuckDB files. Nothing marked a warehouse
 * with the release that built it: an older worker pointed at a warehouse a newer release built
 * wrote to it.
 */
const DAY = '2018-11-01';

let tmp: string;
let source: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-schema-version-'));
  source = path.join(tmp, 'data');
  copySampleDays(source, [DAY]);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function run(file: string) {
  return runSparkify(['run', '--all', '--source', source, '--warehouse', `duckdb:${file}`], {
    cwd: tmp,
    env: { SPARKIFY_LOG_LEVEL: 'error', SPARKIFY_TASK_QUEUE: `schema-${randomUUID()}` },
    unset: ['TEMPORAL_ADDRESS'],
  });
}

const withWarehouse = <T>(file: string, fn: (w: Warehouse) => Promise<T>): Promise<T> => withOpenedWarehouse(() => DuckDbWarehouse.open(file), fn);

/** The star tables and the bookkeeping a run writes: what a refused run must leave as it was. */
async function contents(w: Warehouse) {
  const count = async (table: string) => Number((await w.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  return { star: await dumpStarTables(w), runs: await count('etl_runs'), runFiles: await count('etl_run_files'), ledger: await count('etl_load_ledger') };
}

const recorded = (w: Warehouse) => w.query('SELECT schema_version FROM etl_schema_version');

test('a run records the schema version; a warehouse recording a newer one is refused, naming both and what to do, and nothing is written', async () => {
  const file = path.join(tmp, 'newer.duckdb');
  const first = run(file);
  expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
  const before = await withWarehouse(file, async (w) => {
    expect(await recorded(w)).toEqual([{ schema_version: SCHEMA_VERSION }]);
    // As a newer release would leave it.
    await w.execute([`UPDATE etl_schema_version SET schema_version = ${SCHEMA_VERSION + 1}`]);
    return contents(w);
  });

  const refused = run(file);
  expect(refused.status).not.toBe(0);
  expect(refused.stdout + refused.stderr).toContain(
    `the warehouse duckdb:${file} has schema version ${SCHEMA_VERSION + 1}, newer than this release's ${SCHEMA_VERSION}`,
  );
  expect(refused.stdout + refused.stderr).toContain('Nothing was written. Upgrade this worker');
  await withWarehouse(file, async (w) => {
    expect(await contents(w)).toEqual(before);
    expect(await recorded(w)).toEqual([{ schema_version: SCHEMA_VERSION + 1 }]);
  });
}, 400_000);

test('a warehouse an older release built (no version tables, no record of failed, abandoned or unknown runs) is upgraded in place by the next run', async () => {
  const file = path.join(tmp, 'older.duckdb');
  expect(run(file).status).toBe(0);
  await withWarehouse(file, (w) => w.execute(['DROP TABLE etl_schema_version', 'DROP TABLE etl_run_rules', 'DROP TABLE etl_failed_runs', 'DROP TABLE etl_abandoned_runs', 'DROP TABLE etl_unknown_runs']));

  const again = run(file);
  expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
  await withWarehouse(file, async (w) => {
    expect(await recorded(w)).toEqual([{ schema_version: SCHEMA_VERSION }]);
    expect((await w.query('SELECT COUNT(*) AS n FROM etl_run_rules'))[0].n).toBeGreaterThan(0);
    expect(await w.query('SELECT COUNT(*) AS n FROM etl_failed_runs')).toEqual([{ n: 0 }]);
    expect(await w.query('SELECT COUNT(*) AS n FROM etl_abandoned_runs')).toEqual([{ n: 0 }]);
    expect(await w.query('SELECT COUNT(*) AS n FROM etl_unknown_runs')).toEqual([{ n: 0 }]);
  });
}, 400_000);

test("a warehouse of schema version 2 whose etl_abandoned_runs has no reason column gets it from the next run, its rows kept", async () => {
  const file = path.join(tmp, 'version2-abandoned.duckdb');
  expect(run(file).status).toBe(0);
  // As release 2 left it: etl_abandoned_runs without reason, a row Temporal reported.
  await withWarehouse(file, (w) =>
    w.execute([
      'DROP TABLE etl_abandoned_runs',
      'CREATE TABLE etl_abandoned_runs (run_id VARCHAR NOT NULL, workflow_id VARCHAR NOT NULL, status VARCHAR NOT NULL, closed_at TIMESTAMP, found_at TIMESTAMP, found_by VARCHAR)',
      "INSERT INTO etl_abandoned_runs VALUES ('gone', 'wf', 'terminated', NULL, NULL, 'r1')",
    ]),
  );

  const again = run(file);
  expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
  await withWarehouse(file, async (w) => {
    expect(await recorded(w)).toEqual([{ schema_version: SCHEMA_VERSION }]);
    expect(await w.query('SELECT run_id, status, reason FROM etl_abandoned_runs')).toEqual([{ run_id: 'gone', status: 'terminated', reason: null }]);
  });
}, 400_000);

test('a warehouse of schema version 1 (no list of plays without a song) is upgraded by the next run, which lists its plays without a song', async () => {
  const file = path.join(tmp, 'version1.duckdb');
  expect(run(file).status).toBe(0);
  // As release 1 left it: no etl_unmatched_plays, version 1 recorded.
  await withWarehouse(file, (w) => w.execute(['DROP TABLE etl_unmatched_plays', 'UPDATE etl_schema_version SET schema_version = 1']));

  const again = run(file);
  expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
  await withWarehouse(file, async (w) => {
    expect(await recorded(w)).toEqual([{ schema_version: SCHEMA_VERSION }]);
    const [{ listed, unmatched }] = await w.query(
      "SELECT (SELECT COUNT(*) FROM etl_unmatched_plays) AS listed, (SELECT COUNT(*) FROM songplays WHERE song_id IS NULL) AS unmatched",
    );
    // The run re-published the day (run --all), so its plays without a song are listed; a sample
    // play naming no title, artist or length cannot match and is not.
    expect(Number(listed)).toBeGreaterThan(0);
    expect(Number(listed)).toBeLessThanOrEqual(Number(unmatched));
  });
}, 400_000);

test('a warehouse of schema version 1 (one state per user in etl_user_state) is upgraded by the next run: its users are kept, and its logs run again replace that state', async () => {
  const file = path.join(tmp, 'version1.duckdb');
  expect(run(file).status).toBe(0);
  const users = await withWarehouse(file, async (w) => {
    // As a release of schema version 1 left it: users from etl_user_state, no state per log.
    await w.execute([
      'INSERT INTO etl_user_state (user_id, last_ts, last_item, level, first_name, last_name, gender) ' +
        'SELECT user_id, last_ts, last_item, level, first_name, last_name, gender FROM etl_user_logs',
      'DROP TABLE etl_user_logs',
      'DROP TABLE etl_user_log_dates',
      'UPDATE etl_schema_version SET schema_version = 1',
    ]);
    return w.query('SELECT * FROM users ORDER BY user_id');
  });
  expect(users.length).toBeGreaterThan(0);

  const again = run(file);
  expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
  await withWarehouse(file, async (w) => {
    expect(await recorded(w)).toEqual([{ schema_version: SCHEMA_VERSION }]);
    expect(await w.query('SELECT * FROM users ORDER BY user_id')).toEqual(users);
    // The run re-ran the only log: every user's state is per log now.
    const count = async (sql: string) => Number((await w.query(sql))[0].n);
    expect(await count('SELECT COUNT(*) AS n FROM etl_user_state')).toBe(0);
    expect(await count('SELECT COUNT(DISTINCT user_id) AS n FROM etl_user_logs')).toBeGreaterThanOrEqual(users.length);
  });
}, 400_000);
