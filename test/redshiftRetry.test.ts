/**
 * Retried Redshift work: a retried attempt re-attaches to its earlier statement by the
 * statement's logical identity (not its text, which may hold a timestamp), and overlapping
 * attempts of a large append never share a buffer table.
 */
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { DataApi } from '../src/warehouse/redshift/dataApi';
import { parseRedshiftUri, type RedshiftSettings } from '../src/warehouse/redshift/uri';
import { sqlStatements } from '../src/warehouse/sql';
import type { StatementTracker } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, type S3Server } from './harness/s3';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';

let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator;
let settings: RedshiftSettings;
let warehouse: RedshiftWarehouse;

/** A tracker over shared heartbeat details: each call is one attempt of the same activity. */
function attemptTracker(details: Record<string, string>): StatementTracker {
  const uses = new Map<string, number>();
  const current = new Map<string, string>();
  return {
    find(key) {
      const n = uses.get(key) ?? 0;
      uses.set(key, n + 1);
      current.set(key, `${key}#${n}`);
      return details[`${key}#${n}`];
    },
    record: (key, id) => (details[current.get(key)!] = id),
    waiting: () => undefined,
  };
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'rsretry'), s3: s3.settings });
  settings = parseRedshiftUri(`redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${emulator.endpoint}`);
  warehouse = new RedshiftWarehouse(settings);
  await warehouse.execute(sqlStatements('schema/etl_tables', 'redshift'));
});

afterAll(async () => {
  await warehouse?.close();
  await emulator?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

test('a retried publish whose SQL holds a new timestamp re-attaches to the first attempt by its key', async () => {
  const api = new DataApi(settings);
  const details: Record<string, string> = {};
  const publish = (loadedAt: string) => [
    "DELETE FROM etl_runs WHERE run_id = 'keyed'",
    `INSERT INTO etl_runs (run_id, status, finished_at) VALUES ('keyed', 'completed', CAST('${loadedAt}' AS TIMESTAMP))`,
  ];
  try {
    emulator.hold(/'2018-11-30 01:00:00'/);
    const first = api.run(publish('2018-11-30 01:00:00'), { tracker: attemptTracker(details), key: 'sql/transform/songplays' });
    const held = await emulator.waitUntilHeld(/'2018-11-30 01:00:00'/);
    // The worker died; the next attempt renders the publish with its own clock.
    const second = api.run(publish('2018-11-30 01:05:00'), { tracker: attemptTracker(details), key: 'sql/transform/songplays' });
    emulator.release();
    const [a, b] = await Promise.all([first, second]);
    expect(b.id).toBe(held);
    expect(a.id).toBe(held);
    expect(emulator.submissionCount(/'2018-11-30 01:05:00'/)).toBe(0);
    expect(await warehouse.query("SELECT COUNT(*) AS n FROM etl_runs WHERE run_id = 'keyed'")).toEqual([{ n: 1 }]);
  } finally {
    api.close();
  }
});

test('overlapping attempts of a multi-batch append each fill their own buffer; the target ends with one copy', async () => {
  const rows = Array.from({ length: 60_000 }, (_, i) => ['overlap', 'events', `log_data/2018/11/${i}.json`, 'x'.repeat(20), i]);
  const append = () =>
    warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], rows, {
      deleteFirst: "DELETE FROM etl_run_files WHERE run_id = 'overlap'",
    });
  const move = /^INSERT INTO "etl_run_files" .* SELECT .* FROM "etl_append_/;
  emulator.hold(move);
  const first = append().then(
    () => 'ok',
    (err: Error) => err,
  );
  const firstMove = await emulator.waitUntilHeld(move, 120_000);
  // A second attempt starts while the first still holds its buffer (with one shared buffer name,
  // its setup would wait on the first's open transaction and never get here).
  const second = append().then(
    () => 'ok',
    (err: Error) => err,
  );
  const firstTexts = new Set(emulator.statement(firstMove)!.subs.map((sub) => sub.sql));
  const secondText = await new Promise<string>((resolve, reject) => {
    const deadline = Date.now() + 120_000;
    const look = (): void => {
      const text = [...emulator.submissions().keys()].find((sql) => move.test(sql) && !firstTexts.has(sql));
      if (text !== undefined) resolve(text);
      else if (Date.now() > deadline) reject(new Error('the second attempt never submitted its move batch'));
      else setTimeout(look, 50);
    };
    look();
  });
  const secondMove = await emulator.waitUntilHeld(new RegExp(secondText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 120_000);
  const buffers = (await warehouse.query("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'etl_append_%'")).map((r) => r.table_name);
  expect(new Set(buffers).size).toBe(2);
  expect(secondMove).not.toBe(firstMove);
  emulator.release();
  // Both replace the same rows at once: Redshift lets one commit and aborts the other (1023);
  // the activity would retry that one, as here.
  for (const outcome of await Promise.all([first, second])) {
    if (outcome !== 'ok') {
      expect((outcome as Error).message).toMatch(/Serializable isolation violation/);
      expect(await append()).toBe(60_000);
    }
  }
  expect(await warehouse.query("SELECT COUNT(*) AS n, COUNT(DISTINCT source_key) AS keys FROM etl_run_files WHERE run_id = 'overlap'")).toEqual([
    { n: 60_000, keys: 60_000 },
  ]);
  expect(await warehouse.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name LIKE 'etl_append_%'")).toEqual([{ n: 0 }]);
});
