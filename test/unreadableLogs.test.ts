/**
 * A log that is one JSON array is one rejected record, however many events it holds: the run's
 * reject rate (1% by default) let a whole day through as "1 rejected" and the run completed
 * without it. Staging now also weighs logs with nothing staged by their bytes, and fails naming
 * them, on each engine's staging path.
 */
import { WorkflowFailedError } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { failedStep, rootMessage } from '../src/etl/failures';
import { generateDataset } from '../src/generate';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startTestTemporal, type TestTemporal } from './harness/temporal';

const ARRAY_LOG = 'log_data/2018/11/2018-11-02-events.json';

let temporal: TestTemporal;
let pg: PgServer;
let tmp: string;
let data: string;
let arrayEvents: number;

beforeAll(async () => {
  [temporal, pg] = await Promise.all([startTestTemporal(), startPostgres()]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-array-log-'));
  data = path.join(tmp, 'data');
  await generateDataset({ outDir: data, days: 2, users: 40, songs: 10, seed: 5, startDate: '2018-11-01' });
  const file = path.join(data, ARRAY_LOG);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  arrayEvents = lines.length;
  fs.writeFileSync(file, `[${lines.join(',')}]\n`);
  // The other day alone keeps the run's reject rate under 1%: only the new guard can fail the run.
  const otherDay = fs.readFileSync(path.join(data, 'log_data/2018/11/2018-11-01-events.json'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  expect(otherDay.length).toBeGreaterThan(100);
}, 120_000);

afterAll(async () => {
  await temporal?.stop();
  await pg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const engines: Array<[string, () => Promise<{ uri: string; open: () => Promise<Warehouse> }>]> = [
  ['duckdb', async () => {
    const file = path.join(tmp, `wh-${Date.now()}.duckdb`);
    return { uri: `duckdb:${file}`, open: () => DuckDbWarehouse.open(file) };
  }],
  ['postgres', async () => {
    const url = await createTestDatabase(pg.url, 'arraylog');
    return { uri: url, open: async () => new PostgresWarehouse(url) };
  }],
];

test.each(engines)('on %s, a log that is one JSON array fails staging, naming it, and nothing is published', async (_engine, newWarehouse) => {
  expect(arrayEvents).toBeGreaterThan(100);
  const wh = await newWarehouse();
  const error = await (await temporal.worker()).run({ source: data, warehouse: wh.uri }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(failedStep(error)).toBe('stageEvents');
  const size = (key: string) => fs.statSync(path.join(data, key)).size;
  const share = size(ARRAY_LOG) / (size(ARRAY_LOG) + size('log_data/2018/11/2018-11-01-events.json'));
  expect(share).toBeGreaterThan(0.2);
  expect(rootMessage(error)).toBe(
    `1 event log(s) without a record staged hold ${(share * 100).toFixed(2)}% of the run's event bytes (limit 1.00%): ` +
      `${ARRAY_LOG} (1 rejected, none staged; line 1: not a JSON object). A log holds one JSON object per line; the rejects are kept in etl_rejected_records`,
  );
  const w = await wh.open();
  try {
    expect(await w.query('SELECT COUNT(*) AS n FROM songplays')).toEqual([{ n: 0 }]);
    expect(await w.query('SELECT source_key, source_line FROM etl_rejected_records')).toEqual([{ source_key: ARRAY_LOG, source_line: 1 }]);
  } finally {
    await w.close();
  }
});

test("under a reject rate above the log's share of the bytes, the other logs load", async () => {
  const file = path.join(tmp, 'rate-high.duckdb');
  const summary = await (await temporal.worker()).run({ source: data, warehouse: `duckdb:${file}`, maxRejectRate: 0.9 });
  expect(summary.staging.events).toMatchObject({ files: 2, recordsRejected: 1 });
  expect(summary.tables.songplays).toBeGreaterThan(0);
});
