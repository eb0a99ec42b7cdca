import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RULES_VERSION, SCHEMA_VERSION } from '../src/etl/versions';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { copySampleDays } from './support/sampleDays';
import { runSparkify } from './support/cli';

/**
 * `sparkify doctor` (the built CLI) reports the warehouse's schema and rules versions
 * (src/etl/versions.ts). It called a warehouse an older release loaded, or a newer one built, fine.
 */
const DAYS = ['2018-11-01', '2018-11-02'];

let tmp: string;
let source: string;
let pg: PgServer;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-doctor-versions-'));
  source = path.join(tmp, 'data');
  copySampleDays(source, DAYS);
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function sparkify(args: string[]) {
  return runSparkify(args, { cwd: tmp, env: { SPARKIFY_LOG_LEVEL: 'error', SPARKIFY_TASK_QUEUE: `doctor-${randomUUID()}` }, unset: ['TEMPORAL_ADDRESS', 'SPARKIFY_SOURCE'] });
}

const versionLines = (stdout: string) => stdout.split('\n').filter((l) => / (warehouse schema version|rules of the loaded files|warehouse versions):/.test(l));

describe.each([
  ['DuckDB', async () => `duckdb:${path.join(tmp, `${randomUUID()}.duckdb`)}`, (uri: string): Promise<Warehouse> => DuckDbWarehouse.open(uri.slice('duckdb:'.length))],
  ['PostgreSQL', () => createTestDatabase(pg.url, 'doctor_versions'), async (uri: string): Promise<Warehouse> => new PostgresWarehouse(uri)],
])('on %s', (_engine, newWarehouse, open) => {
  const alter = async (uri: string, statements: string[]) => {
    const w = await open(uri);
    try {
      await w.execute(statements);
    } finally {
      await w.close();
    }
  };

  test('reports both versions; warns, with counts and the command, when older rules loaded files; fails when a newer release built the warehouse', async () => {
    const uri = await newWarehouse();
    const run = sparkify(['run', '--all', '--source', source, '--warehouse', uri]);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });

    const current = sparkify(['doctor', '--warehouse', uri]);
    expect(versionLines(current.stdout)).toEqual([
      `ok        warehouse schema version: ${SCHEMA_VERSION}, this release's`,
      `ok        rules of the loaded files: 73 file(s), all loaded under this release's rules (version ${RULES_VERSION})`,
    ]);
    expect(current.status).toBe(0);

    // As an older release left it: no rules versions recorded.
    await alter(uri, ['DELETE FROM etl_run_rules']);
    const older = sparkify(['doctor', '--warehouse', uri]);
    expect(versionLines(older.stdout)[1]).toBe(
      `WARNING   rules of the loaded files: 71 song file(s) and 2 event log(s) of 73 loaded under older rules (version 0; this release's is ${RULES_VERSION})` +
        ' — fix: the next run stages the song files again; re-run the event logs\' dates with `sparkify backfill --from 2018-11-01 --to 2018-11-02 --only-stale` (see them first with --dry-run)',
    );
    expect(older.stdout).toMatch(/^No problems found, but a warning \(rules of the loaded files\): /m);
    expect(older.status).toBe(0);

    await alter(uri, [`UPDATE etl_schema_version SET schema_version = ${SCHEMA_VERSION + 1}`]);
    const newer = sparkify(['doctor', '--warehouse', uri]);
    expect(versionLines(newer.stdout)[0]).toMatch(
      new RegExp(`^PROBLEM   warehouse schema version: the warehouse .* has schema version ${SCHEMA_VERSION + 1}, newer than this release's ${SCHEMA_VERSION}: .* — fix: upgrade this worker and CLI`),
    );
    expect(newer.status).toBe(1);
  }, 300_000);
});
