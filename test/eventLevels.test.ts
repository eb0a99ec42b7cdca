import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, type S3Server } from './harness/s3';
import { goodEvent } from './support/badInputCorpus';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';

/**
 * An event of a user whose level is not 'free' or 'paid' ("FREE", missing) is rejected with file,
 * line and reason on every staging path. It went into users or songplays, and the quality checks
 * then failed after the publish, on that run and on every run after it.
 */
const KEY = 'log_data/2018/11/2018-11-01-events.json';
const EVENTS = [
  goodEvent(0, { userId: '1', level: 'free' }),
  goodEvent(1, { userId: '2', level: 'paid', page: 'Home' }),
  goodEvent(2, { userId: '3', level: 'FREE' }),
  goodEvent(3, { userId: '4', level: undefined, page: 'Settings' }),
  // No user: its level feeds nothing, and it stays.
  goodEvent(4, { userId: '', level: undefined, page: 'Home' }),
  goodEvent(5, { userId: '5', level: 'premium', page: 'NextSong' }),
];
const CONTENT = EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n';
const REJECTS: [number, string][] = [
  [3, 'field "level" should be free or paid, got "FREE"'],
  [4, 'field "level" is missing'],
  [6, 'field "level" should be free or paid, got "premium"'],
];
const BUCKET = 'levels';

let dir: string;
let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator;
let resources: Resources;
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-levels-'));
  fs.mkdirSync(path.join(dir, 'src', path.dirname(KEY)), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', KEY), CONTENT);
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  await s3.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: CONTENT }));
  emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'levels'), s3: s3.settings });
  resources = new Resources({ s3: s3.settings, log: silentLogger });
  activities = createActivities({ resources, log: silentLogger });
}, 120_000);

afterAll(async () => {
  await resources?.close();
  await emulator?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const redshift = () => `redshift-data://workgroup/etl/dev?region=us-east-1&iamRole=default&maxError=1000&endpoint=${emulator.endpoint}`;
// A Redshift COPY names no line (docs/redshift.md); its one file here is named.
const paths: [string, () => Promise<{ source: string; warehouse: string }>, boolean][] = [
  ['DuckDB', async () => ({ source: path.join(dir, 'src'), warehouse: `duckdb:${path.join(dir, 'wh.duckdb')}` }), true],
  ['PostgreSQL', async () => ({ source: path.join(dir, 'src'), warehouse: await createTestDatabase(pg.url, 'levels_pg') }), true],
  ['Redshift, COPY from S3', async () => ({ source: `s3://${BUCKET}/`, warehouse: redshift() }), false],
  ['Redshift, local source', async () => ({ source: path.join(dir, 'src'), warehouse: redshift() }), true],
];

describe.each(paths)('%s', (engine, target, linesKnown) => {
  let ref: { runId: string; source: string; warehouse: string };
  beforeAll(async () => {
    ref = { runId: `levels-${engine.replace(/\W+/g, '-')}`, ...(await target()) };
    await activities.createSchema(ref);
    await activities.listSourceFiles({ ...ref, window: null });
  });

  test('each is one reject with file, line and reason; the others stay staged; a retry gives the same', async () => {
    const result = await activities.stageEvents({ ...ref, maxRejectRate: 1 });
    expect({ read: result.recordsRead, staged: result.recordsStaged, rejected: result.recordsRejected }).toEqual({ read: 6, staged: 3, rejected: 3 });
    const warehouse = await resources.warehouse(ref.warehouse);
    const rejects = await warehouse.query(`SELECT source_key, source_line, reason FROM etl_rejected_records WHERE run_id = '${ref.runId}' ORDER BY reason`);
    const expected = REJECTS.map(([line, reason]) => ({ source_key: KEY, source_line: linesKnown ? line : null, reason })).sort((a, b) => (a.reason < b.reason ? -1 : 1));
    expect(rejects.map((r) => ({ ...r, source_line: r.source_line === null ? null : Number(r.source_line) }))).toEqual(expected);
    const staged = await warehouse.query(`SELECT userid, level FROM staging_events WHERE run_id = '${ref.runId}' ORDER BY iteminsession`);
    expect(staged).toEqual([
      { userid: '1', level: 'free' },
      { userid: '2', level: 'paid' },
      { userid: '', level: null },
    ]);

    expect(await activities.stageEvents({ ...ref, maxRejectRate: 1 })).toEqual(result);
  }, 120_000);

  test('they count against the reject rate', async () => {
    await expect(activities.stageEvents({ ...ref, maxRejectRate: 0.4 })).rejects.toThrow(/^3 of 6 events records rejected \(50\.00%, limit 40\.00%\)/);
  }, 120_000);
});
