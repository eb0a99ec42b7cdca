/**
 * An S3 report destination that refuses the write (no such bucket, credentials that may not write
 * it) fails writeReport at once, naming the destination and what chose it, as a refused local
 * directory does: it was retried for about two minutes, then failed with the SDK's bare message.
 */
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { warehouseIdentity } from '../src/config';
import { ERROR_TYPES } from '../src/errors';
import { warehouseTag } from '../src/insights';
import { silentLogger } from '../src/log';
import type { S3Settings } from '../src/source/s3Client';
import { startS3, type S3Server } from './harness/s3';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3();
  await s3.client().send(new CreateBucketCommand({ Bucket: 'reports' }));
});
afterAll(async () => {
  await s3?.stop();
});

/** writeReport of a run on an in-memory DuckDB warehouse, its report sent to `reportTo`. */
async function writeReport(reportTo: string, s3Settings: S3Settings = s3.settings, warehouse = 'duckdb::memory:'): Promise<unknown> {
  const resources = new Resources({ s3: s3Settings, log: silentLogger, defaultWarehouse: warehouse, allow: {} });
  const activities = createActivities({ resources, log: silentLogger });
  try {
    await activities.createSchema({ warehouse: '' });
    return await activities.writeReport({ runId: 'r', source: '', warehouse: '', workflowId: 'sparkify-etl-2018-11-07', window: null, reportTo });
  } catch (err) {
    return err;
  } finally {
    await resources.close();
  }
}

const choice = "(chosen by the run's --report-to (workflow input reportTo))";
const advice =
  "give a bucket that exists and that the worker's S3 credentials may write to (s3:PutObject), or fix those credentials; " +
  "the run's tables are published; run it again to write the report (runs are idempotent)";

test('a bucket that does not exist: a non-retryable failure naming the destination, what chose it, and the published run', async () => {
  const failure = await writeReport('s3://no-such-reports/runs/');
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: ERROR_TYPES.storage, nonRetryable: true });
  const message = (failure as Error).message;
  expect(message).toMatch(new RegExp(`^cannot write the run's report to s3://no-such-reports/runs/ \\(chosen by .*\\): NoSuchBucket: `));
  expect(message).toContain(choice);
  expect(message.endsWith(advice)).toBe(true);
});

test('credentials the store refuses: the same', async () => {
  const failure = await writeReport('s3://reports/runs/', { ...s3.settings, accessKeyId: 'NOT-A-KEY' });
  expect(failure).toMatchObject({ type: ERROR_TYPES.storage, nonRetryable: true });
  expect((failure as Error).message).toMatch(/^cannot write the run's report to s3:\/\/reports\/runs\/ \(chosen by .*\): (SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId): /);
});

test('a bucket it may write takes the report (so the checks above can fail)', async () => {
  expect(await writeReport('s3://reports/runs/')).toBe('s3://reports/runs/sparkify-etl-2018-11-07.html');
});

test("warehouses reporting under one prefix keep each other's reports: the first keeps the plain names", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-shared-reports-'));
  try {
    const [a, b] = ['a', 'b'].map((name) => `duckdb:${path.join(dir, `${name}.duckdb`)}`);
    expect(await writeReport('s3://reports/shared/', s3.settings, a)).toBe('s3://reports/shared/sparkify-etl-2018-11-07.html');
    expect(await writeReport('s3://reports/shared/', s3.settings, b)).toBe(`s3://reports/shared/sparkify-etl-2018-11-07--${warehouseTag(warehouseIdentity(b))}.html`);
    expect(await writeReport('s3://reports/shared/', s3.settings, a)).toBe('s3://reports/shared/sparkify-etl-2018-11-07.html');
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: 'reports', Prefix: 'shared/' }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      ['shared/.sparkify-reports-warehouse', 'shared/sparkify-etl-2018-11-07.html', `shared/sparkify-etl-2018-11-07--${warehouseTag(warehouseIdentity(b))}.html`].sort(),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
