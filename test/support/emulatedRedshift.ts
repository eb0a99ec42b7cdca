import type { PgServer } from '../harness/postgres';
import { createTestDatabase } from '../harness/postgres';
import type { S3Server } from '../harness/s3';
import { startRedshiftEmulator, type RedshiftEmulator } from './redshift-emulator';

/**
 * A fresh database on `pg` behind a fresh Redshift Data API emulator that COPYs from `s3`, and the
 * `redshift-data://` warehouse URI that reaches it. The caller stops the emulator.
 */
export async function startEmulatedRedshift(pg: PgServer, s3: S3Server, databasePrefix = 'rs'): Promise<{ emulator: RedshiftEmulator; uri: string }> {
  // The Data API client signs with the standard credential chain; the emulator accepts any key.
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  const emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, databasePrefix), s3: s3.settings });
  const query = new URLSearchParams({
    dbUser: 'etl',
    region: 'us-east-1',
    iamRole: 'arn:aws:iam::123456789012:role/sparkify-copy',
    endpoint: emulator.endpoint,
  });
  return { emulator, uri: `redshift-data://cluster/sparkify/dev?${query}` };
}
