import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecordKind } from '../../src/etl/types';
import { LocalSource } from '../../src/source';
import { MAX_LINE_BYTES, MAX_SONG_FILE_BYTES } from '../../src/staging/rawLines';
import { stageInWarehouse } from '../../src/staging/stageInWarehouse';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { csvReaderSizes } from '../../src/warehouse/duckdbCsvReaderSizes';
import { sqlStatements } from '../../src/warehouse/sql';
import { listedKeysOf } from '../../src/staging/listedKeys';

/**
 * DuckDB's staging COPY reads each part with a row limit and buffer sized per table (smaller for
 * event logs, so the reader leaves the bounded pool to the rows being written). The longest record
 * each kind can stage must still load through DuckDB's CSV reader, value for value.
 */
test('each table gets a row limit over the longest row its source can give, and a buffer that holds it', () => {
  const events = csvReaderSizes('staging_events');
  const songs = csvReaderSizes('staging_songs');
  const rejects = csvReaderSizes('etl_rejected_records');
  expect(events.maxLineSize).toBeGreaterThanOrEqual(3 * MAX_LINE_BYTES);
  expect(songs.maxLineSize).toBeGreaterThanOrEqual(3 * MAX_SONG_FILE_BYTES);
  expect(rejects.maxLineSize).toBeGreaterThanOrEqual(3 * MAX_LINE_BYTES);
  for (const s of [events, songs, rejects]) expect(s.bufferSize).toBeGreaterThanOrEqual(s.maxLineSize);
  // The point of sizing per table: event parts do not read with the song files' 32 MiB buffer.
  expect(events.bufferSize).toBeLessThan(songs.bufferSize);
});

describe('the longest records stage through the COPY path', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-csvsizes-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A JSON string value of about `bytes` bytes of line: quotes, tabs and non-ASCII, so the CSV quotes it. */
  function longText(bytes: number): { json: string; value: string } {
    const piece = 'say \\"hi\\"\\t\\u00e9é/\\/ ';
    const decoded = 'say "hi"\té' + 'é' + '// ';
    const n = Math.floor(bytes / Buffer.byteLength(piece));
    return { json: piece.repeat(n), value: decoded.repeat(n) };
  }

  async function stage(kind: RecordKind, root: string) {
    const file = path.join(dir, `${kind}.duckdb`);
    const warehouse = await DuckDbWarehouse.open(file);
    try {
      await warehouse.execute(['staging_events', 'staging_songs', 'etl_tables'].flatMap((n) => sqlStatements(`schema/${n}`, 'duckdb')));
      warehouse.readsLocalFiles = false;
      warehouse.rawEventLines = false;
      const source = new LocalSource(root);
      const keys: string[] = [];
      for await (const o of source.list(kind === 'events' ? 'log_data/' : 'song_data/')) if (!o.skip) keys.push(o.key);
      const result = await stageInWarehouse({ runId: 'r1', kind, keys: listedKeysOf(keys), source, warehouse, heartbeat: () => undefined });
      return { result, warehouse };
    } catch (err) {
      await warehouse.close();
      throw err;
    }
  }

  test('an event line at the length limit', async () => {
    const root = path.join(dir, 'events');
    fs.mkdirSync(path.join(root, 'log_data'), { recursive: true });
    const head = '{"page":"NextSong","ts":1541105830796,"sessionId":7,"itemInSession":1,"userId":"12","userAgent":"';
    const text = longText(MAX_LINE_BYTES - Buffer.byteLength(head) - 64);
    const line = `${head}${text.json}"}`;
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(Buffer.byteLength(line)).toBeGreaterThan(MAX_LINE_BYTES - 128);
    const short = '{"page":"Home","ts":1541105830797,"sessionId":7,"itemInSession":2,"userId":"12"}';
    fs.writeFileSync(path.join(root, 'log_data', 'long.json'), `${short}\n${line}\n${short}\n`);
    const { result, warehouse } = await stage('events', root);
    try {
      expect(result).toMatchObject({ recordsStaged: 3, recordsRejected: 0 });
      const rows = await warehouse.query('SELECT source_line, useragent FROM staging_events ORDER BY source_line');
      expect(rows.map((r) => r.source_line)).toEqual([1, 2, 3]);
      expect(rows[1].useragent).toBe(text.value);
      expect(rows[1].useragent).toBe(JSON.parse(line).userAgent);
    } finally {
      await warehouse.close();
    }
  });

  test('a song file at the size limit, one record', async () => {
    const root = path.join(dir, 'songs');
    fs.mkdirSync(path.join(root, 'song_data'), { recursive: true });
    const head = '{"num_songs":1,"artist_id":"AR1","song_id":"SO1","duration":1.5,"year":0,"title":"';
    const text = longText(MAX_SONG_FILE_BYTES - Buffer.byteLength(head) - 64);
    const body = `${head}${text.json}"}`;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_SONG_FILE_BYTES);
    fs.writeFileSync(path.join(root, 'song_data', 'SO1.json'), body);
    const { result, warehouse } = await stage('songs', root);
    try {
      expect(result).toMatchObject({ recordsStaged: 1, recordsRejected: 0 });
      const rows = await warehouse.query('SELECT title FROM staging_songs');
      expect(rows).toHaveLength(1);
      expect(rows[0].title).toBe(text.value);
    } finally {
      await warehouse.close();
    }
  });
});
