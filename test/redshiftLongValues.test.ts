/**
 * Where a Redshift limit can cut data (VARCHAR(65535)), staging never fails a whole COPY on one
 * long value: the record is rejected with a reason that says so, and the others load.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { putTextObject } from '../src/source/s3TextObject';
import { listedKeysOf } from '../src/staging/listedKeys';
import { serverStagingPlan } from '../src/staging/serverStagingSql';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';
import { sqlStatements } from '../src/warehouse/sql';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, type S3Server } from './harness/s3';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';

let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator;
let warehouse: RedshiftWarehouse;
const BUCKET = 'long-values';

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'rslong'), s3: s3.settings });
  warehouse = new RedshiftWarehouse(parseRedshiftUri(`redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${emulator.endpoint}`));
  await warehouse.execute(['staging_songs', 'etl_tables', 'etl_file_counts'].flatMap((name) => sqlStatements(`schema/${name}`, 'redshift')));
  await s3.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  await warehouse?.close();
  await emulator?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

const song = (id: string, title: string) => JSON.stringify({ num_songs: 1, artist_id: 'AR1', artist_name: 'A', song_id: id, title, duration: 200.5, year: 2000 });

test('a song title over 65535 bytes rejects its record with a reason; the COPY (MAXERROR 0) loads the rest', async () => {
  const files = [
    { key: 'song_data/A/ok.json', body: song('S1', 'Fine') },
    { key: 'song_data/A/long.json', body: song('S2', 'é'.repeat(40_000)) },
  ];
  for (const f of files) await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: f.key, Body: f.body }));
  const result = await warehouse.stageFromS3({
    runId: 'long',
    kind: 'songs',
    files: listedKeysOf(files.map((f) => f.key)),
    url: (key) => `s3://${BUCKET}/${key}`,
    sourceUrl: `s3://${BUCKET}/`,
    putObject: (url, body) => putTextObject(s3.client(), url, body),
    ...serverStagingPlan('redshift', { runId: 'long', kind: 'songs', sourceUrl: `s3://${BUCKET}/` }),
  });
  expect(result).toMatchObject({ recordsRead: 2, recordsStaged: 1, recordsRejected: 1 });
  expect(result.rejectSamples).toEqual([expect.objectContaining({ reason: 'field "title" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)' })]);
  expect(await warehouse.query("SELECT song_id FROM staging_songs WHERE run_id = 'long'")).toEqual([{ song_id: 'S1' }]);
  // Per-file counts for the ledger (a COPY of two files): lines scanned minus load errors.
  expect(await warehouse.query("SELECT source_key, records FROM etl_file_counts WHERE run_id = 'long' ORDER BY source_key")).toEqual([
    { source_key: 'song_data/A/long.json', records: 1 },
    { source_key: 'song_data/A/ok.json', records: 1 },
  ]);
});
