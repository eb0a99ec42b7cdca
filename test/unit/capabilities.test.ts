/**
 * Engine differences the pipeline acts on are capabilities of the interfaces, not class or dialect
 * checks: staging runs on the warehouse's own loader only where the warehouse stages server-side
 * (Redshift COPY) and the source gives URLs it can read (S3); attempts are fenced except where the
 * warehouse re-attaches retried statements (Redshift).
 */
import os from 'node:os';
import { S3Client } from '@aws-sdk/client-s3';
import { needsFence } from '../../src/activities/fence';
import { serverStaging } from '../../src/activities/serverStaging';
import { hasObjectUrls, LocalSource, S3Source } from '../../src/source';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { RedshiftWarehouse } from '../../src/warehouse/redshift';
import { parseRedshiftUri } from '../../src/warehouse/redshift/uri';

// Nothing here connects: the clients reach the network only on a first request.
const redshift = new RedshiftWarehouse(
  parseRedshiftUri('redshift-data://cluster/sparkify/dev?dbUser=etl&region=us-east-1&iamRole=arn:aws:iam::123456789012:role/copy'),
);
const s3 = new S3Source(new S3Client({ region: 'us-east-1' }), 'bucket', 'data/');
const local = new LocalSource(os.tmpdir());
let duckdb: DuckDbWarehouse;
beforeAll(async () => {
  duckdb = await DuckDbWarehouse.open(':memory:');
});
afterAll(async () => {
  await duckdb?.close();
  await redshift.close();
});

test('an S3 source gives the URLs a warehouse loads from; a local directory gives none', () => {
  expect(hasObjectUrls(s3)).toBe(true);
  expect(s3.url('log_data/2018/11/2018-11-01-events.json')).toBe('s3://bucket/data/log_data/2018/11/2018-11-01-events.json');
  expect(hasObjectUrls(local)).toBe(false);
});

test('server-side staging is chosen for Redshift from S3 only', () => {
  expect(serverStaging(redshift, s3)?.source).toBe(s3);
  expect(serverStaging(redshift, local)).toBeUndefined();
  expect(serverStaging(duckdb, s3)).toBeUndefined();
});

test('attempts are fenced on DuckDB, not on Redshift (which re-attaches a retry to its statement)', () => {
  expect(needsFence(duckdb)).toBe(true);
  expect(needsFence(redshift)).toBe(false);
});
