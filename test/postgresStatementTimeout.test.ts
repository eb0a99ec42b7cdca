/**
 * SPARKIFY_PG_STATEMENT_TIMEOUT bounds the statements the server works on, not staging. The server
 * counts a COPY … FROM STDIN, and a streamed read of the run's file list, until their last row, and
 * staging sends and reads those rows as it reads the files: under a timeout shorter than that, a
 * staging failed on every attempt ("canceling statement due to statement timeout").
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { listedKeys } from '../src/activities/ledger';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import type { Source, SourceObject } from '../src/source';
import { stageInWarehouse } from '../src/staging/stageInWarehouse';
import type { CopySegment } from '../src/warehouse/copyTextStaging';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { sqlStatements } from '../src/warehouse/sql';
import { goodSong } from './support/badInputCorpus';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';

const TIMEOUT_MS = 300;
const timeouts = { connectTimeoutMs: 10_000, statementTimeoutMs: TIMEOUT_MS, keepAliveInitialDelayMs: 10_000 };

/** More than one fetch of the streamed file list (2,048 rows each), so the list is read over the staging. */
const SONG_FILES = 3_000;
const READ_DELAY_MS = 4;
const READS_IN_FLIGHT = 8;

const songId = (key: string) => key.replace(/^.*\/|\.json$/g, '');
const songKey = (i: number) => `song_data/A/B/C/TRSLOW${String(i).padStart(6, '0')}.json`;

/**
 * Song files that take READ_DELAY_MS each to open: reading them all takes at least
 * SONG_FILES × READ_DELAY_MS / READS_IN_FLIGHT = 1.5 s, five times the timeout.
 */
const slowSongs: Source = {
  description: 'slow song files',
  smallReadConcurrency: READS_IN_FLIGHT,
  async *list(): AsyncIterable<SourceObject> {
    for (let i = 0; i < SONG_FILES; i++) yield { key: songKey(i), etag: `e${i}`, size: 100 };
  },
  async open(key: string) {
    await sleep(READ_DELAY_MS);
    return Readable.from([Buffer.from(JSON.stringify(goodSong(songId(key))))]);
  },
  async readHead(key: string, bytes: number) {
    return Buffer.from(JSON.stringify(goodSong(songId(key)))).subarray(0, bytes);
  },
};

let server: PgServer;
let warehouse: PostgresWarehouse;

beforeAll(async () => {
  server = await startPostgres();
  warehouse = new PostgresWarehouse(await createTestDatabase(server.url, 'statement_timeout'), timeouts);
  await warehouse.execute(SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect)));
});

afterAll(async () => {
  await warehouse?.close();
  await server?.stop();
});

test('a staging that reads its files for longer than the statement timeout stages them all', async () => {
  const runId = 'slow-songs';
  await warehouse.execute([
    `INSERT INTO etl_run_files (run_id, kind, source_key, size) SELECT '${runId}', 'songs', 'song_data/A/B/C/TRSLOW' || lpad(CAST(i AS VARCHAR), 6, '0') || '.json', 100 FROM generate_series(0, ${SONG_FILES - 1}) AS t(i)`,
  ]);
  const result = await stageInWarehouse({ runId, kind: 'songs', keys: await listedKeys(warehouse, runId, 'songs'), source: slowSongs, warehouse, heartbeat: () => undefined });
  expect(result).toMatchObject({ files: SONG_FILES, recordsStaged: SONG_FILES, recordsRejected: 0 });
  expect(await warehouse.query(`SELECT COUNT(*) AS n FROM staging_songs WHERE run_id = '${runId}'`)).toEqual([{ n: SONG_FILES }]);
});

test('the statement timeout still ends a long statement, also one after a COPY in the same transaction', async () => {
  await expect(warehouse.query('SELECT pg_sleep(5)')).rejects.toThrow(/statement timeout/);
  async function* slowRows() {
    await sleep(2 * TIMEOUT_MS);
    yield Buffer.from('1\n');
  }
  async function* oneSegment(segment: CopySegment) {
    yield segment;
  }
  await warehouse.execute(['CREATE TABLE slow_copy (n integer)']);
  // The COPY itself outlasts the timeout and is not cancelled; the statement after it is.
  await expect(
    warehouse.stageCopySegments(oneSegment({ table: 'slow_copy', columns: ['n'], data: slowRows() }), { before: [], after: ['SELECT pg_sleep(5)'] }),
  ).rejects.toThrow(/statement timeout/);
  expect(await warehouse.stageCopySegments(oneSegment({ table: 'slow_copy', columns: ['n'], data: slowRows() }), { before: [], after: [] })).toEqual({ slow_copy: 1 });
  expect(await warehouse.query('SELECT COUNT(*) AS n FROM slow_copy')).toEqual([{ n: 1 }]);
  // A streamed read (its own pool) is not timed either, while its caller works between chunks.
  let chunks = 0;
  for await (const rows of warehouse.queryChunks('SELECT i FROM generate_series(1, 5000) AS t(i)')) {
    chunks += rows.length > 0 ? 1 : 0;
    await sleep(2 * TIMEOUT_MS);
  }
  expect(chunks).toBe(3);
});
