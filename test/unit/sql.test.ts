import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parsePostgres } from 'libpg-query';
import { readSqlFile, renderSql, splitStatements, SQL_DIR, sqlLiteral, sqlStatements, type SqlParam } from '../../src/warehouse/sql';
import type { Dialect } from '../../src/warehouse/types';
import { parseStatements, translateStatement } from '../support/redshift-emulator/translate';

const DIALECTS: Dialect[] = ['duckdb', 'postgres', 'redshift'];

/** Every file under sql/, by the name the code uses (`transform/songs`). */
const SQL_FILES = (fs.readdirSync(SQL_DIR, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.replace(/\.sql$/, '').split(path.sep).join('/'))
  .sort();

/** A sample value for every parameter the files use; a file with a new one fails below, naming it. */
const PARAMS: Record<string, SqlParam> = {
  run_id: 'r1',
  report_error: 'report not written: no space left on device',
  duration_tolerance: 2,
  key_built_after: false,
  copies_counted: false,
  days: ['2018-11-01', '2018-11-02'],
  first_day: '2018-11-01',
  last_day: '2018-11-02',
  loaded_at: '2018-11-30 12:00:00',
  rules_version: 1,
  schema_version: 1,
  recorded_at: '2018-11-30 12:00:00',
  from_ts: '2018-11-01 00:00:00',
  to_ts: '2018-11-02 00:00:00',
  from_ms: 1541030400000,
  to_ms: 1541116800000,
  limit: 10,
  attempt: 2,
  step: 'loadUsers',
  kind: 'events',
  kinds: ['songs', 'other'],
  raw_cap: 1000,
  log_glob: '/data/log_data/**/*.json',
  song_glob: '/data/song_data/**/*.json',
  events_csv: '/tmp/events.csv',
  songs_csv: '/tmp/songs.csv',
  copy_table: 'staging_events',
  partition: 'staging_events_0cc175b9c0f1b6a831c399e269772661',
  lock_timeout_ms: 5000,
  copy_file: '/tmp/part-0.csv',
  max_line_size: 4194304,
  buffer_size: 8388608,
  cutoff: '2018-11-20 00:00:00',
  window_start: '2018-11-01',
  window_end: null,
  source: '/data',
  started_at: '2018-11-30 12:00:00.000',
  finished_at: '2018-11-30 12:01:00.000',
  failed_at: '2018-11-30 12:02:00.000',
  not_before: '2018-11-15 12:00:00.000',
  // A run found closed without its record (sql/etl/record_abandoned_run.sql).
  workflow_id: 'sparkify-etl-2018-11-01',
  status: 'terminated',
  closed_at: '2018-11-30 12:03:00.000',
  found_at: '2018-11-30 12:04:00.000',
  found_by: 'r2',
  // Runs Temporal did not know (sql/etl/*unknown_runs.sql).
  run_ids: ['r3', 'r4'],
  runs: ['r1', 'r5'],
  summary: '{"runId":"r1","note":"a \\\\ backslash"}',
  // Names for {{ident:…}} (sql/checks/).
  table: 'users',
  column: 'level',
  key: 'user_id',
  ref_table: 'users',
  ref_column: 'user_id',
  values: ['free', 'paid'],
  // The tables asked about (sql/catalog/).
  tables: ['songplays', 'users'],
  // A database of the throwaway cluster (sql/bench/postgres_*_database.sql).
  database: 'bench_run_0a1b2c',
  samples: 5,
  // The reason kept for a song file without a record (sql/staging/reject_song_files_without_records.sql).
  reason: 'song file holds no JSON object',
  // A backend's process id (sql/postgres/cancel_backend.sql).
  pid: 4242,
  // A page of text candidates (sql/transform/text_repair_values.sql).
  after_kind: 'text',
  after_raw: "O'Brien",
  page_rows: 50000,
  page_bytes: 16777216,
  // Redshift's long text candidates, read in pieces (sql/transform/redshift/text_repair_*.sql).
  max_raw_bytes: 24000,
  after_digest: '0cc175b9c0f1b6a831c399e269772661',
  digest: '0cc175b9c0f1b6a831c399e269772661',
  from_char: 16001,
  // Long text candidates in pieces (Redshift: sql/transform/redshift/text_repair_value_piece.sql;
  // DuckDB: sql/transform/duckdb/text_repair_values.sql).
  piece_chars: 16000,
  // DuckDB's string compressions left out while staging (sql/staging/duckdb/disable_compression.sql).
  methods: 'fsst,zstd',
  // Server-side staging (sql/staging/redshift/, sql/redshift/): session tables and the COPY.
  loaded: 'copy_events',
  load_errors: 'copy_load_errors',
  file_records: 'copy_file_records',
  source_key: 'log_data/2018/11/2018-11-01-events.json',
  source_url: 's3://bucket/prefix/',
  query_id: 7,
  // Raw-line staging on DuckDB (sql/staging/duckdb/): the relations read, and the files DuckDB reads itself.
  lines: 'etl_raw_lines',
  checked: 'etl_stage_checked',
  paths: ['/data/log_data/2018/11/2018-11-01-events.json', '/data/log_data/2018/11/2018-11-02-events.json'],
  keys: ['log_data/2018/11/2018-11-01-events.json', 'log_data/2018/11/2018-11-02-events.json'],
  first_key: 'log_data/2018/11/2018-11-01-events.json',
  last_key: 'log_data/2018/11/2018-11-02-events.json',
  max_line_bytes: 1048576,
  max_song_bytes: 4194304,
};

/**
 * The engine a file is written for, if only one: a folder named after it (`staging/duckdb/…`) or a
 * name that starts with it (`bench/postgres_copy_events`). Every other file is shared by all three.
 */
function dialectsOf(name: string): Dialect[] {
  const own = DIALECTS.filter((d) => name.split('/').slice(0, -1).includes(d) || name.split('/').pop()!.startsWith(`${d}_`));
  return own.length > 0 ? own : DIALECTS;
}


let duckdb: DuckDBConnection;
beforeAll(async () => {
  duckdb = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => duckdb?.closeSync());

/**
 * Parses one rendered statement with the engine's own grammar: DuckDB's parser (in process), the
 * PostgreSQL parser, and for Redshift the Redshift emulator's checks (constructs Redshift lacks are
 * errors) followed by the PostgreSQL parser on its translation.
 */
async function parseWith(dialect: Dialect, statement: string): Promise<void> {
  if (dialect === 'duckdb') {
    await duckdb.extractStatements(statement);
    return;
  }
  if (dialect === 'postgres') {
    await parsePostgres(statement);
    return;
  }
  for (const tokens of parseStatements(statement)) {
    const translated = translateStatement(tokens, new Map());
    if (translated.kind === 'sql') await parsePostgres(translated.sql);
  }
}


describe('SQL templates', () => {
  test('fragments render per dialect, with nested parentheses in their arguments', () => {
    const template = 'CREATE TABLE t (a {{text}}{{primary_key(a)}}) {{table_attributes(DISTSTYLE KEY DISTKEY(a) SORTKEY(a))}}';
    expect(renderSql(template, 'duckdb')).toBe('CREATE TABLE t (a VARCHAR) ');
    expect(renderSql(template, 'postgres')).toBe('CREATE TABLE t (a TEXT, PRIMARY KEY (a)) ');
    expect(renderSql(template, 'redshift')).toBe('CREATE TABLE t (a VARCHAR(65535), PRIMARY KEY (a)) DISTSTYLE KEY DISTKEY(a) SORTKEY(a)');
  });

  // The songplays publishes (sql/transform/songplays.sql, sql/transform/duckdb/songplays.sql) join a
  // play to its triple and to its event's copies in several statements: each join is written once.
  test.each(DIALECTS)("a play's joins to its triple and to its copies render from one definition (%s)", (dialect) => {
    expect(renderSql('ON {{play_triple_match(m, e)}}', dialect)).toBe(
      "ON m.song_k = COALESCE(e.song, '') AND m.artist_k = COALESCE(e.artist, '') AND m.length_k = COALESCE(e.length, 0)\n" +
        ' AND m.nulls = CASE WHEN e.song IS NULL THEN 1 ELSE 0 END + CASE WHEN e.artist IS NULL THEN 2 ELSE 0 END + CASE WHEN e.length IS NULL THEN 4 ELSE 0 END',
    );
    expect(renderSql('{{triple_nulls(t)}} AS nulls', dialect)).toBe(
      'CASE WHEN t.song IS NULL THEN 1 ELSE 0 END + CASE WHEN t.artist IS NULL THEN 2 ELSE 0 END + CASE WHEN t.length IS NULL THEN 4 ELSE 0 END AS nulls',
    );
    expect(renderSql('ON {{play_copy_match(c, e)}}', dialect)).toBe(
      'ON c.user_id = CAST(TRIM(e.userid) AS INTEGER) AND c.sessionid = e.sessionid AND c.iteminsession = e.iteminsession AND c.ts = e.ts',
    );
    for (const name of ['transform/songplays', 'transform/duckdb/songplays']) {
      expect(readSqlFile(name)).not.toMatch(/\.nulls = CASE|\.user_id = CAST\(TRIM/);
    }
  });

  // The publishes that replace the run's days (songplays with its listings, time) bound them alike;
  // the fragment renders the days parameter it names. On Redshift the first and last day are
  // literals, and days in a row a range (test/unit/dayPredicates.test.ts).
  test.each(DIALECTS)("a start time on the run's days renders from one definition, with the days given (%s)", (dialect) => {
    const [first, last] = dialect === 'redshift' ? ["'2018-11-01'", "'2018-11-03'"] : ["LEAST('2018-11-01', '2018-11-03')", "GREATEST('2018-11-01', '2018-11-03')"];
    expect(renderSql('WHERE {{in_days(start_time)}}', dialect, { days: ['2018-11-01', '2018-11-03'] })).toBe(
      "WHERE CAST(start_time AS DATE) IN ('2018-11-01', '2018-11-03')\n" +
        `  AND start_time >= CAST(${first} AS TIMESTAMP) AND start_time < CAST(${last} AS TIMESTAMP) + INTERVAL '1 day'`,
    );
    expect(() => renderSql('WHERE {{in_days(start_time)}}', dialect)).toThrow(/\{\{days\}\}/);
    for (const name of ['transform/songplays', 'transform/time']) expect(readSqlFile(name)).not.toMatch(/LEAST\(\{\{days\}\}\)/);
  });

  test('parameters become literals, quotes doubled', () => {
    expect(renderSql('WHERE run_id = {{run_id}} AND n <= {{n}}', 'postgres', { run_id: "it's", n: 2 })).toBe(
      "WHERE run_id = 'it''s' AND n <= 2",
    );
    expect(sqlLiteral(['a', 1])).toBe("'a', 1");
    expect(sqlLiteral(null)).toBe('NULL');
  });

  test('an unknown placeholder is an error, never sent to the warehouse', () => {
    expect(() => renderSql('SELECT {{nope}}', 'duckdb')).toThrow(/\{\{nope\}\}/);
  });

  test('files split at semicolons ending a line, comment-only pieces dropped', () => {
    expect(splitStatements("-- header\nSELECT 1;\n\nSELECT ';' AS x;\n-- trailing comment\n")).toEqual(['-- header\nSELECT 1', "SELECT ';' AS x"]);
  });

  test('the list covers every file under sql/', () => {
    expect(SQL_FILES.length).toBeGreaterThanOrEqual(37);
    expect(SQL_FILES).toEqual(expect.arrayContaining(['schema/songplays', 'transform/songplays', 'insights/activity_engagement', 'ledger/record']));
  });

  describe.each(DIALECTS)('on %s', (dialect) => {
    test.each(SQL_FILES.filter((name) => dialectsOf(name).includes(dialect)))('sql/%s.sql renders and parses', async (name) => {
      const statements = sqlStatements(name, dialect, PARAMS);
      // A file without statements is one that says in its comments why it is empty (an engine needs none).
      if (statements.length === 0) expect(readSqlFile(name).trim().split('\n').every((l) => l.trim() === '' || l.trim().startsWith('--'))).toBe(true);
      for (const statement of statements) {
        expect(statement).not.toMatch(/\{\{|\}\}/);
        await expect(parseWith(dialect, statement).then(() => 'parsed')).resolves.toBe('parsed');
      }
    });
  });

  test.each(DIALECTS)('the %s parser rejects a broken statement (so a pass above means something)', async (dialect) => {
    await expect(parseWith(dialect, 'SELECT FROM WHERE songplays')).rejects.toThrow();
  });

  test('the Redshift check rejects what Redshift lacks even where PostgreSQL parses it', async () => {
    const upsert = 'INSERT INTO users (user_id) VALUES (1) ON CONFLICT (user_id) DO NOTHING';
    await expect(parseWith('postgres', upsert)).resolves.toBeUndefined();
    await expect(parseWith('redshift', upsert)).rejects.toThrow(/ON CONFLICT/);
  });
});
