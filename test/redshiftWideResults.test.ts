/**
 * Values as long as Redshift stages them (up to 65531 bytes: sql/staging/redshift/copy_keep_*.sql), run
 * through the whole workflow on the emulator, which fails any statement whose result has a row
 * over the Data API's 64 KB ("Packet for query is too large"). A step that reads such a value back
 * whole would fail on Redshift; every step must finish, and the values must reach the star tables
 * whole; the report shows them cut.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { REPORT_TEXT_CHARS } from '../src/warehouse/sql';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';
import { startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { startEmulatedRedshift } from './support/emulatedRedshift';
import type { RedshiftEmulator } from './support/redshift-emulator';

let temporal: TestTemporal;
let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator | undefined;
const BUCKET = 'sparkify-wide';

/** `bytes` long in UTF-8, with two-byte characters, starting with `head`. */
function longText(head: string, bytes: number): string {
  const rest = bytes - Buffer.byteLength(head);
  return head + 'é'.repeat(Math.floor(rest / 2)) + 'x'.repeat(rest % 2);
}

// Each alone fits a result row; with its kind (etl_text_repairs), or with another long value
// (the report's top songs: title and artist), a row would not.
const TITLE = longText('A title ', 65_528);
const ARTIST = longText('An artist ', 65_529);
const USER_AGENT = longText('Mozilla/5.0 ', 65_530);
const LOCATION = longText('Somewhere, ', 65_531);

const SONG_FILE = 'song_data/A/A/A/TRAAAAW128F429D538.json';
const LOG_FILE = 'log_data/2018/11/2018-11-02-events.json';

function dataSet(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-wide-'));
  const write = (key: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    fs.writeFileSync(path.join(dir, key), text);
  };
  const song = JSON.parse(fs.readFileSync(path.join(SAMPLE_DIR, SONG_FILE), 'utf8')) as Record<string, unknown>;
  write(SONG_FILE, JSON.stringify({ ...song, title: TITLE, artist_name: ARTIST, artist_location: LOCATION }));
  const lines = fs.readFileSync(path.join(SAMPLE_DIR, LOG_FILE), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const play = JSON.parse(lines.find((l) => l.includes('"page":"NextSong"'))!) as Record<string, unknown>;
  lines.push(JSON.stringify({ ...play, song: TITLE, artist: ARTIST, length: song.duration, userAgent: USER_AGENT, location: LOCATION, itemInSession: 999 }));
  write(LOG_FILE, `${lines.join('\n')}\n`);
  return dir;
}

beforeAll(async () => {
  [temporal, pg, s3] = await Promise.all([startTestTemporal(), startPostgres(), startS3()]);
  const dir = dataSet();
  try {
    await uploadDirectory(s3, dir, BUCKET, 'wide/');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

afterAll(async () => {
  await emulator?.stop();
  await temporal?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

test('values of 65528-65531 bytes go through every step on Redshift and reach the star tables whole', async () => {
  const started = await startEmulatedRedshift(pg, s3, 'wide');
  emulator = started.emulator;
  const worker = await temporal.worker({ s3: s3.settings });
  const reportTo = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-wide-report-'));
  const summary = await worker.run({ source: `s3://${BUCKET}/wide`, warehouse: started.uri, reportTo });
  expect(summary.staging.events.recordsRejected).toBe(0);
  expect(summary.staging.songs).toMatchObject({ recordsStaged: 1, recordsRejected: 0 });

  const warehouse = new RedshiftWarehouse(parseRedshiftUri(started.uri));
  try {
    // Read back as lengths and digests: the values themselves would not fit a result row here either.
    const digest = (value: string) => ({ bytes: Buffer.byteLength(value), md5: createHash('md5').update(value).digest('hex') });
    const shape = (sql: string) => warehouse.query(sql).then((rows) => rows.map((r) => ({ bytes: Number(r.bytes), md5: r.md5 })));
    expect(await shape('SELECT OCTET_LENGTH(title) AS bytes, MD5(title) AS md5 FROM songs')).toEqual([digest(TITLE)]);
    expect(await shape('SELECT OCTET_LENGTH(name) AS bytes, MD5(name) AS md5 FROM artists')).toEqual([digest(ARTIST)]);
    expect(await shape(`SELECT OCTET_LENGTH(user_agent) AS bytes, MD5(user_agent) AS md5 FROM songplays WHERE song_id IS NOT NULL`)).toEqual([digest(USER_AGENT)]);
    expect(await shape(`SELECT OCTET_LENGTH(location) AS bytes, MD5(location) AS md5 FROM songplays WHERE song_id IS NOT NULL`)).toEqual([digest(LOCATION)]);
  } finally {
    await warehouse.close();
  }
  // The report shows the first REPORT_TEXT_CHARS characters of each, cut with '…' (sql/insights/).
  const report = fs.readFileSync(summary.report!, 'utf8');
  fs.rmSync(reportTo, { recursive: true, force: true });
  for (const value of [TITLE, ARTIST]) {
    expect(report).toContain(`${value.slice(0, REPORT_TEXT_CHARS - 1)}…`);
    expect(report).not.toContain(value.slice(0, REPORT_TEXT_CHARS));
  }
});
