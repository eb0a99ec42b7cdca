import { PostgresWarehouse } from '../src/warehouse/postgres';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { startEmulatedRedshift } from './support/emulatedRedshift';
import type { RedshiftEmulator } from './support/redshift-emulator';
import { dumpStarTables } from './support/tables';

// The full-sample comparison, in its own file (the rest of the Redshift end-to-end cases are in
// redshift.test.ts): it is the longest Redshift case, and a file of its own runs beside the others.

let temporal: TestTemporal;
let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator | undefined;
const BUCKET = 'sparkify-raw';
const S3_SOURCE = `s3://${BUCKET}/udacity`;

beforeAll(async () => {
  [temporal, pg, s3] = await Promise.all([startTestTemporal(), startPostgres(), startS3()]);
  await uploadDirectory(s3, SAMPLE_DIR, BUCKET, 'udacity/');
});

afterAll(async () => {
  await emulator?.stop();
  await temporal?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('the ETL workflow on Redshift (Data API emulator, loopback S3, real Temporal)', () => {
  test('the real sample from S3 gives star tables identical to the PostgreSQL warehouse', async () => {
    const started = await startEmulatedRedshift(pg, s3);
    emulator = started.emulator;
    const uri = started.uri;
    const pgUrl = await createTestDatabase(pg.url, 'etl');
    const worker = await temporal.worker({ s3: s3.settings });
    const [redshiftSummary, postgresSummary] = await worker.during(() =>
      Promise.all([
        worker.start({ source: S3_SOURCE, warehouse: uri }).then((h) => h.result()),
        worker.start({ source: S3_SOURCE, warehouse: pgUrl }).then((h) => h.result()),
      ]),
    );
    const redshift = new RedshiftWarehouse(parseRedshiftUri(uri));
    const postgres = new PostgresWarehouse(pgUrl);
    try {
      const [fromRedshift, fromPostgres] = await Promise.all([dumpStarTables(redshift), dumpStarTables(postgres)]);
      expect(fromRedshift.songplays.length).toBeGreaterThan(6000);
      expect(fromRedshift).toEqual(fromPostgres);
      // The ledger counts each file's records on Redshift too (from SYS_LOAD_DETAIL), as on PostgreSQL.
      const ledger = 'SELECT kind, source_key, etag, records, rejects FROM etl_load_ledger ORDER BY kind, source_key';
      const [redshiftLedger, postgresLedger] = await Promise.all([redshift.query(ledger), postgres.query(ledger)]);
      expect(redshiftLedger).toHaveLength(101);
      expect(redshiftLedger.filter((r) => Number(r.records) === 0)).toEqual([]);
      expect(redshiftLedger).toEqual(postgresLedger);
    } finally {
      await Promise.all([redshift.close(), postgres.close()]);
    }
    // Staged by one COPY per kind through a manifest, not through this process.
    expect(emulator.submissionCount(/^COPY copy_events /)).toBe(1);
    expect(emulator.submissionCount(/^COPY copy_songs /)).toBe(1);
    expect(redshiftSummary.staging.events).toMatchObject({ recordsRead: 8056, recordsStaged: 8056, recordsRejected: 0, files: 30 });
    expect(redshiftSummary.staging.songs).toMatchObject({ recordsRead: 71, recordsStaged: 71, recordsRejected: 0, files: 71 });
    expect(redshiftSummary.staging.events.bytes).toBe(postgresSummary.staging.events.bytes);
    expect(redshiftSummary.matches).toEqual(postgresSummary.matches);
    expect(redshiftSummary.tables).toEqual(postgresSummary.tables);
    expect(redshiftSummary.checks.map((c) => [c.name, c.status])).toEqual(postgresSummary.checks.map((c) => [c.name, c.status]));
  });
});
