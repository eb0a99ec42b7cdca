import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../../src/activities';
import { Resources } from '../../src/activities/resources';
import { silentLogger } from '../../src/log';
import { createTestDatabase, startPostgres, type PgServer } from '../harness/postgres';
import { startS3, type S3Server } from '../harness/s3';
import { startRedshiftEmulator, type RedshiftEmulator } from './redshift-emulator';

/** The staging paths a run can take: each engine, and Redshift's two (COPY from S3, appends from a local source). */
export type StagingPath = 'DuckDB' | 'PostgreSQL' | 'Redshift, COPY from S3' | 'Redshift, local source';
export const STAGING_PATHS: StagingPath[] = ['DuckDB', 'PostgreSQL', 'Redshift, COPY from S3', 'Redshift, local source'];

/**
 * The same source files, in a local directory and an S3 bucket, with a throwaway PostgreSQL, the
 * S3 server and the Redshift emulator started once for a test file: `target(path)` gives a run's
 * source and a new warehouse for that path. Call in the file's top level (it adds beforeAll/afterAll).
 */
export function everyStagingPath(name: string, files: Record<string, string>) {
  let dir: string;
  let pg: PgServer;
  let s3: S3Server;
  let emulator: RedshiftEmulator;
  const harness = {} as { resources: Resources; activities: ReturnType<typeof createActivities> };

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `sparkify-${name}-`));
    for (const [key, content] of Object.entries(files)) {
      fs.mkdirSync(path.join(dir, 'src', path.dirname(key)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'src', key), content);
    }
    [pg, s3] = await Promise.all([startPostgres(), startS3()]);
    await s3.client().send(new CreateBucketCommand({ Bucket: name }));
    for (const [key, content] of Object.entries(files)) await s3.client().send(new PutObjectCommand({ Bucket: name, Key: key, Body: content }));
    emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, `${name}_rs`), s3: s3.settings });
    harness.resources = new Resources({ s3: s3.settings, log: silentLogger });
    harness.activities = createActivities({ resources: harness.resources, log: silentLogger });
  }, 120_000);

  afterAll(async () => {
    await harness.resources?.close();
    await emulator?.stop();
    await Promise.all([pg?.stop(), s3?.stop()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const redshift = () => `redshift-data://workgroup/etl/dev?region=us-east-1&iamRole=default&maxError=1000&endpoint=${emulator.endpoint}`;
  async function target(stagingPath: StagingPath): Promise<{ source: string; warehouse: string }> {
    const local = path.join(dir, 'src');
    switch (stagingPath) {
      case 'DuckDB':
        return { source: local, warehouse: `duckdb:${path.join(dir, 'wh.duckdb')}` };
      case 'PostgreSQL':
        return { source: local, warehouse: await createTestDatabase(pg.url, `${name}_pg`) };
      case 'Redshift, COPY from S3':
        return { source: `s3://${name}/`, warehouse: redshift() };
      case 'Redshift, local source':
        return { source: local, warehouse: redshift() };
    }
  }
  return { harness, target };
}
