/**
 * A Redshift statement that fails with "Disk Full" fails its step at once as a StorageError naming
 * the warehouse and saying to free space and run again, as PostgreSQL's disk_full (SQLSTATE 53100)
 * does. It was a SqlError with the Data API's bare text. The emulator's failed statement carries
 * the server's message as Redshift's Error does ("ERROR: Disk Full"); a function in its database
 * raises it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Client } from 'pg';
import { withFailureType } from '../src/activities/failureTypes';
import { ERROR_TYPES, StorageError } from '../src/errors';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, type S3Server } from './harness/s3';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';

let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator;
let warehouse: RedshiftWarehouse;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  const pgUrl = await createTestDatabase(pg.url, 'rsdiskfull');
  const admin = new Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE FUNCTION public.fill_the_disk() RETURNS integer LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'Disk Full' USING ERRCODE = '53100', DETAIL = 'error: Disk Full code: 1016'; END $$`);
  } finally {
    await admin.end();
  }
  emulator = await startRedshiftEmulator({ pgUrl, s3: s3.settings });
  warehouse = new RedshiftWarehouse(parseRedshiftUri(`redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${emulator.endpoint}`));
});

afterAll(async () => {
  await warehouse?.close();
  await emulator?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

test('a statement Redshift fails with Disk Full is a non-retryable StorageError naming the warehouse and what to do', async () => {
  const err = await warehouse.execute('SELECT public.fill_the_disk()').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  expect((err as Error).message).toMatch(
    /^warehouse redshift-data:\/\/workgroup\/etl\/dev: ERROR: Disk Full.*: the cluster's disk is full: free space there .* and run again: runs are idempotent/s,
  );
  const failure = withFailureType(err) as ApplicationFailure;
  expect({ type: failure.type, nonRetryable: failure.nonRetryable }).toEqual({ type: ERROR_TYPES.storage, nonRetryable: true });
});
