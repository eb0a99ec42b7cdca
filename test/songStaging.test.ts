import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { listedKeys } from '../src/activities/ledger';
import { NO_RECORD_REASON, rejectSongFilesWithoutRecords } from '../src/activities/songFilesWithoutRecords';
import type { StageResult } from '../src/etl/types';
import { silentLogger } from '../src/log';
import { LocalSource, type Source, type SourceObject } from '../src/source';
import { hasLocalFiles } from '../src/source';
import { hasWholeReads } from '../src/source/types';
import { MAX_SONG_FILE_BYTES } from '../src/staging/rawLines';
import { stageInWarehouse } from '../src/staging/stageInWarehouse';
import { hasChunkedStaging, hasFileStaging } from '../src/warehouse/types';
import { goodSong } from './support/badInputCorpus';

/**
 * Song files from a local directory on DuckDB, the way a run stages them (whole files read with
 * synchronous calls, and DuckDB's own file reading switched on, which event logs take and song
 * files must not), against the plain worker path: each file streamed from a source that offers
 * nothing but `open`. Same staging rows, typed the same, and the same rejects with file, line and
 * reason, over the real sample's song files and a set of bad song files of every kind.
 */
const SAMPLE = path.resolve(__dirname, '../../shared/data/udacity-sample');
const RUN = 'songs-run';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-songs-'));
  dirs.push(dir);
  return dir;
}

/** A local directory seen only through `list`, `open` and `readHead`: no whole reads, no file paths. */
class StreamOnlySource implements Source {
  private readonly local: LocalSource;
  readonly smallReadConcurrency = 4;
  constructor(root: string) {
    this.local = new LocalSource(root);
  }
  get description(): string {
    return `streamed ${this.local.description}`;
  }
  list(prefix: string): AsyncIterable<SourceObject> {
    return this.local.list(prefix);
  }
  open(key: string): Promise<Readable> {
    return this.local.open(key);
  }
  readHead(key: string, bytes: number): Promise<Buffer> {
    return this.local.readHead(key, bytes);
  }
}

type Via = 'run' | 'streamed';

async function stageSongs(dataDir: string, via: Via) {
  const resources = new Resources({ s3: {}, log: silentLogger });
  const activities = createActivities({ resources, log: silentLogger });
  const warehouse = `duckdb:${path.join(tempDir(), 'wh.duckdb')}`;
  const opened = await resources.warehouse(warehouse);
  if (!hasFileStaging(opened) || !hasChunkedStaging(opened)) throw new Error('DuckDB should offer file and chunked staging');
  // The run's way: DuckDB reads local files itself where it pays (event logs).
  opened.readsLocalFiles = via === 'run';
  const ref = { runId: RUN, source: dataDir, warehouse };
  await activities.createSchema(ref);
  await activities.listSourceFiles({ ...ref, window: null });
  const env = new MockActivityEnvironment();
  const beats: Record<string, unknown>[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d as Record<string, unknown>));
  let result: StageResult;
  if (via === 'run') {
    result = (await env.run(() => activities.stageSongs({ ...ref, maxRejectRate: 1 }))) as StageResult;
  } else {
    const source = new StreamOnlySource(dataDir);
    expect(hasWholeReads(source) || hasLocalFiles(source)).toBe(false);
    const keys = await listedKeys(opened, RUN, 'songs');
    const staged = await stageInWarehouse({ runId: RUN, kind: 'songs', keys, source, warehouse: opened, heartbeat: (d) => beats.push(d as Record<string, unknown>) });
    // What the staging step does after any path: a file that gave no record is kept as a reject.
    result = await rejectSongFilesWithoutRecords(opened, RUN, staged);
  }
  const query = (sql: string) => opened.query(sql);
  const tables = {
    songs: await query(`SELECT * EXCLUDE (run_id) FROM staging_songs WHERE run_id = '${RUN}' ORDER BY source_key, source_line, song_id`),
    rejects: await query(`SELECT kind, source_key, source_line, reason, raw FROM etl_rejected_records WHERE run_id = '${RUN}' ORDER BY source_key, source_line, reason, raw`),
  };
  await resources.close();
  return { result, beats, tables };
}

const j = (value: unknown) => JSON.stringify(value);
const s = (id: string, fields: Record<string, unknown> = {}) => j(goodSong(id, fields));
/** goodSong's JSON with one field's value written as given (raw JSON text). */
const raw = (id: string, field: string, json: string) => s(id).replace(new RegExp(`"${field}":[^,}]*`), `"${field}":${json}`);

/** Song files that are not one plain object, or whose fields don't fit their columns as written. */
function badSongFiles(): [string, Buffer][] {
  const files: [string, string | Buffer][] = [
    // Not one JSON object.
    ['truncated', s('A1').slice(0, 40)],
    ['garbage after an object', `${s('A2')}\ngarbage`],
    ['only garbage', 'not json at all'],
    ['a number', '5'],
    ['a string', '"SOX"'],
    ['null', 'null'],
    ['an empty array', '[]'],
    ['an array with a non-object', `[${s('A3')}, 7, "x"]`],
    ['an unclosed array', `[${s('A4')}`],
    ['two objects', s('A5') + s('A6')],
    ['two objects on two lines, CRLF', `${s('A7')}\r\n${s('A8')}\r\n`],
    ['trailing comma', s('A9').replace(/}$/, ',}')],
    ['single quotes', s('B1').replace(/"/g, "'")],
    ['a raw tab inside a string', raw('B2', 'title', '"a\tb"')],
    ['an invalid escape', raw('B3', 'title', '"a\\xb"')],
    // Fields of the wrong type, out of range, missing.
    ['num_songs as text', raw('C1', 'num_songs', '"abc"')],
    ['num_songs as digits in a string', raw('C2', 'num_songs', '" 12 "')],
    ['num_songs as 3.0', raw('C3', 'num_songs', '3.0')],
    ['num_songs as 2.5', raw('C4', 'num_songs', '2.5')],
    ['num_songs as 1e2', raw('C5', 'num_songs', '1e2')],
    ['year beyond 32 bits', raw('C6', 'year', '10000000000')],
    ['year at the 32-bit edge', raw('C7', 'year', '2147483647')],
    ['year below the 32-bit edge', raw('C8', 'year', '-2147483649')],
    ['year as a boolean', raw('C9', 'year', 'true')],
    ['duration as text', raw('D1', 'duration', '"3:20"')],
    ['duration beyond DOUBLE', raw('D2', 'duration', '1e999')],
    ['duration underflowing', raw('D3', 'duration', '1e-400')],
    ['duration as -0.0', raw('D4', 'duration', '-0.0')],
    ['duration with an exponent', raw('D5', 'duration', '2.005E2')],
    ['duration with many digits', raw('D6', 'duration', '200.50000000000000000000001')],
    ['latitude as an object', raw('D7', 'artist_latitude', '{"deg":35}')],
    ['longitude as an array', raw('D8', 'artist_longitude', '[1,2]')],
    ['title as an object', raw('E1', 'title', '{"a":1}')],
    ['artist_name as a boolean', raw('E2', 'artist_name', 'false')],
    ['artist_name as a fraction', raw('E3', 'artist_name', '1.5')],
    ['song_id as a whole number', raw('E4', 'song_id', '12345')],
    ['song_id as 1e21', raw('E5', 'song_id', '1e21')],
    ['song_id missing', j({ ...goodSong('E6'), song_id: undefined })],
    ['artist_id null', raw('E7', 'artist_id', 'null')],
    ['every optional field null', j({ song_id: 'SOE8', artist_id: 'ARE8', num_songs: null, title: null, duration: null, year: null })],
    // Keys given twice, in another case, or escaped.
    ['a key given twice', s('F1').replace(/}$/, ', "year": 1999}')],
    ['a key in another case', s('F2').replace('"year"', '"Year"')],
    ['an escaped key', s('F3').replace('"title"', '"titl\\u0065"')],
    // Escapes inside strings.
    ['an escaped NUL', raw('G1', 'title', '"a\\u0000b"')],
    ['a lone surrogate', raw('G2', 'title', '"a\\ud800b"')],
    ['a surrogate pair', raw('G3', 'title', '"a\\ud83d\\ude00b"')],
    ['escapes that need quoting in CSV', raw('G4', 'title', '"tab\\t nl\\n cr\\r quote\\" bs\\\\ slash\\/ é\\u00e9"')],
    ['a title that is \\N', raw('G5', 'title', '"\\\\N"')],
    ['an empty title', raw('G6', 'title', '""')],
    // Layout: whitespace, byte-order marks, pretty printing.
    ['blank lines before, CRLF', `\r\n\n  ${s('H1')}\r\n`],
    ['form feed and vertical tab around', `\f\v${s('H2')}\v`],
    ['a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s('H3'))])],
    ['a byte-order mark only', Buffer.from([0xef, 0xbb, 0xbf])],
    ['whitespace only', ' \n\t\n'],
    ['empty', ''],
    ['pretty-printed', JSON.stringify(goodSong('H4'), null, 2)],
    ['braces inside strings', raw('H5', 'title', '"a}b{c]["')],
    // Bytes that are no JSON text.
    ['a NUL byte', Buffer.concat([Buffer.from(s('I1').slice(0, 20)), Buffer.from([0]), Buffer.from(s('I1').slice(20))])],
    ['not UTF-8', Buffer.concat([Buffer.from(s('I2').slice(0, -2)), Buffer.from([0xff, 0x7d])])],
    ['an overlong UTF-8 encoding', Buffer.concat([Buffer.from(s('I3').slice(0, -2)), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])],
    ['a UTF-8-encoded surrogate', Buffer.concat([Buffer.from(s('I4').slice(0, -2)), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])],
    ['larger than the cap', s('I5', { title: 't'.repeat(MAX_SONG_FILE_BYTES) })],
    ['exactly at the cap', (() => {
      const body = s('I6', { title: '' });
      return body.replace('"title":""', `"title":"${'t'.repeat(MAX_SONG_FILE_BYTES - Buffer.byteLength(body))}"`);
    })()],
  ];
  return files.map(([name, content]) => [name, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8')]);
}

describe('song files staged the way a run does equal the streamed worker path', () => {
  test('the real sample: every file, row for row', async () => {
    const run = await stageSongs(SAMPLE, 'run');
    const streamed = await stageSongs(SAMPLE, 'streamed');
    expect(run.result.recordsStaged).toBe(fs.readdirSync(SAMPLE, { recursive: true }).filter((f) => String(f).startsWith('song_data') && String(f).endsWith('.json')).length);
    // Song files do not take DuckDB's direct path even when it is on.
    expect(run.beats.some((b) => b.direct === true)).toBe(false);
    expect(run.tables).toEqual(streamed.tables);
    expect(run.result).toEqual(streamed.result);
  }, 120_000);

  test('bad song files of every kind: the same rows and the same rejects (file, line, reason, raw text)', async () => {
    const data = path.join(tempDir(), 'bad');
    const cases = badSongFiles();
    cases.forEach(([, content], i) => {
      const file = path.join(data, 'song_data', 'Z', 'Z', 'Z', `TRBAD${String(i).padStart(3, '0')}.json`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    });
    // Names DuckDB would read as a glob, or that need quoting.
    fs.writeFileSync(path.join(data, 'song_data', 'Z', 'Z', 'Z', 'odd[1].json'), s('J1'));
    fs.writeFileSync(path.join(data, 'song_data', 'Z', 'Z', 'Z', "it's a file.json"), s('J2'));

    const run = await stageSongs(data, 'run');
    const streamed = await stageSongs(data, 'streamed');
    expect(run.tables).toEqual(streamed.tables);
    expect(run.result).toEqual(streamed.result);

    // What they agree on is what the rules say (docs/staging.md), not an empty table.
    const reasonOf = (name: string) => {
      const key = `song_data/Z/Z/Z/TRBAD${String(cases.findIndex(([n]) => n === name)).padStart(3, '0')}.json`;
      return run.tables.rejects.filter((r) => r.source_key === key).map((r) => [r.source_line, r.reason]);
    };
    const stagedOf = (id: string) => run.tables.songs.filter((r) => r.song_id === `SO${id}`);
    expect(reasonOf('truncated')).toEqual([[1, expect.stringMatching(/^invalid JSON/)]]);
    expect(reasonOf('an array with a non-object')).toEqual([[1, 'not a JSON object'], [1, 'not a JSON object']]);
    expect(reasonOf('year beyond 32 bits')).toEqual([[1, expect.stringMatching(/^field "year" is out of range for INTEGER/)]]);
    expect(reasonOf('duration beyond DOUBLE')).toEqual([[1, expect.stringMatching(/^field "duration" is out of range for DOUBLE PRECISION/)]]);
    expect(reasonOf('title as an object')).toEqual([[1, 'field "title" should be text, got {"a":1}']]);
    expect(reasonOf('an escaped NUL')).toEqual([[1, expect.stringMatching(/NUL\) escape/)]]);
    expect(reasonOf('a NUL byte')).toEqual([[1, 'song file holds a NUL byte, which is not valid JSON text']]);
    expect(reasonOf('not UTF-8')).toEqual([[1, 'song file is not valid UTF-8']]);
    expect(reasonOf('a UTF-8-encoded surrogate')).toEqual([[1, 'song file is not valid UTF-8']]);
    expect(reasonOf('larger than the cap')).toEqual([[1, expect.stringMatching(/^song file is more than 4194304 bytes/)]]);
    expect(reasonOf('garbage after an object')).toEqual([[2, expect.stringMatching(/^invalid JSON/)]]);
    expect(reasonOf('whitespace only')).toEqual([[1, NO_RECORD_REASON]]);
    expect(reasonOf('an empty array')).toEqual([[1, NO_RECORD_REASON]]);
    expect(stagedOf('A8').map((r) => r.source_line)).toEqual([2]);
    expect(stagedOf('H1').map((r) => r.source_line)).toEqual([3]);
    expect(stagedOf('C2').map((r) => r.num_songs)).toEqual([12]);
    expect(stagedOf('C5').map((r) => r.num_songs)).toEqual([100]);
    expect(stagedOf('D3').map((r) => r.duration)).toEqual([0]);
    expect(stagedOf('F1').map((r) => r.year)).toEqual([1999]);
    expect(stagedOf('F2').map((r) => r.year)).toEqual([null]);
    expect(stagedOf('F3').map((r) => r.title)).toEqual(['Tune']);
    expect(stagedOf('G2').map((r) => r.title)).toEqual(['a\uFFFDb']);
    expect(stagedOf('G4').map((r) => r.title)).toEqual(['tab\t nl\n cr\r quote" bs\\ slash/ éé']);
    expect(stagedOf('G5').map((r) => r.title)).toEqual(['\\N']);
    expect(run.tables.songs.filter((r) => r.song_id === '12345').map((r) => r.artist_id)).toEqual(['ARE4']);
    expect(stagedOf('I6')).toHaveLength(1);
    expect(run.tables.songs.filter((r) => String(r.source_key).includes('odd[1]') || String(r.source_key).includes("it's"))).toHaveLength(2);
    expect(run.result.recordsRejected).toBeGreaterThan(30);
  }, 120_000);
});
