import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import type { StageResult } from '../src/etl/types';
import { silentLogger } from '../src/log';
import { LocalSource } from '../src/source';
import { MAX_LINE_BYTES, MAX_SONG_FILE_BYTES } from '../src/staging/rawLines';
import { keyRange } from '../src/staging/stageDirect';
import { MAX_RAW_KEPT } from '../src/staging/stagedResult';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { sqlStatements } from '../src/warehouse/sql';
import { hasChunkedStaging, hasFileStaging } from '../src/warehouse/types';
import { badInputCorpus, goodEvent, writeBadInputCorpus } from './support/badInputCorpus';
import { TRICKY_JSON_VALUES, typingCorpusLines, writeTypingCorpus } from './support/typingCorpus';

/**
 * DuckDB reading local event logs itself stages most lines through one typed parse and a screen
 * (sql/staging/duckdb/stage_typed_events.sql, typed_screen.sql), and only the lines the screen
 * can't vouch for through the checked SQL. Whatever the screen lets through must be staged exactly
 * as the checked SQL and the worker's parse stage it: the real sample, the bad-input corpus and a
 * corpus of every kind of JSON value in every field, staged every way, row for row.
 */
const SAMPLE = path.resolve(__dirname, '../../shared/data/udacity-sample');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-typed-'));
  dirs.push(dir);
  return dir;
}

/**
 * direct: DuckDB reads the files; raw: the worker's raw lines in CSV parts, parsed by DuckDB's
 * typed stage (src/staging/rawLineStaging.ts); checked: the worker's lines, parsed and checked in
 * SQL; worker: parsed in the worker (the default).
 */
type Way = 'direct' | 'raw' | 'checked' | 'worker';
const WAYS: readonly Way[] = ['direct', 'raw', 'checked', 'worker'];
/** Raw parts this small, so the samples span many parts and the typed stage's left-overs come from several. */
const RAW_PART_BYTES = 64 * 1024;

interface Staged {
  events: StageResult;
  songs: StageResult;
  tables: { events: Record<string, unknown>[]; songs: Record<string, unknown>[]; rejects: Record<string, unknown>[] };
}

async function stage(dataDir: string, way: Way): Promise<Staged> {
  const resources = new Resources({ s3: {}, log: silentLogger });
  const activities = createActivities({ resources, log: silentLogger });
  const warehouse = `duckdb:${path.join(tempDir(), 'wh.duckdb')}`;
  const opened = await resources.warehouse(warehouse);
  if (!hasFileStaging(opened) || !hasChunkedStaging(opened)) throw new Error('DuckDB should stage files itself');
  opened.readsLocalFiles = way === 'direct';
  opened.recordParsing = way === 'checked' ? 'warehouse' : 'worker';
  if (!(opened instanceof DuckDbWarehouse)) throw new Error('expected DuckDB');
  opened.rawEventLines = way === 'raw';
  opened.copyPartBytes = RAW_PART_BYTES;
  const ref = { runId: 'typed-run', source: dataDir, warehouse };
  await activities.createSchema(ref);
  await activities.listSourceFiles({ ...ref, window: null });
  const events = await activities.stageEvents({ ...ref, maxRejectRate: 1 });
  const songs = await activities.stageSongs({ ...ref, maxRejectRate: 1 });
  const query = (sql: string) => opened.query(sql);
  const tables = {
    events: await query("SELECT * EXCLUDE (run_id) FROM staging_events WHERE run_id = 'typed-run' ORDER BY source_key, source_line"),
    songs: await query("SELECT * EXCLUDE (run_id) FROM staging_songs WHERE run_id = 'typed-run' ORDER BY source_key, source_line, song_id"),
    rejects: await query("SELECT kind, source_key, source_line, reason, raw FROM etl_rejected_records WHERE run_id = 'typed-run' ORDER BY kind, source_key, source_line"),
  };
  await resources.close();
  return { events, songs, tables };
}

/**
 * The worker's reasons in DuckDB's words: JSON.parse's message after 'invalid JSON', and the value an
 * out-of-range reason quotes (JSON.parse read it as a double: 1e20 for 99999999999999999999, nothing
 * for 1e999; DuckDB quotes the text). Nothing else may differ.
 */
function plainReasons(rejects: Record<string, unknown>[]): Record<string, unknown>[] {
  const plain = (reason: string) => reason.replace(/^invalid JSON: .*$/s, 'invalid JSON').replace(/^(field "\w+" is out of range for [A-Z ]+)(, got .*)?$/s, '$1');
  return rejects.map((r) => ({ ...r, reason: plain(String(r.reason)) }));
}

const counts = (r: StageResult) => ({ files: r.files, recordsRead: r.recordsRead, recordsStaged: r.recordsStaged, recordsRejected: r.recordsRejected });

/** The typed stage alone over `dir`'s event logs: how many lines it staged, and the lines it left. */
async function typedStageAlone(dir: string): Promise<{ keys: Set<string>; staged: number; left: { source_key: string; source_line: number }[] }> {
  const source = new LocalSource(dir);
  const keys: string[] = [];
  for await (const o of source.list('log_data/')) {
    // Files the survey hands to the worker's reader (not UTF-8, a NUL byte) never reach the typed stage.
    const bytes = o.skip ? undefined : fs.readFileSync(source.filePath(o.key));
    if (bytes && isUtf8(bytes) && !bytes.includes(0)) keys.push(o.key);
  }
  const db = await DuckDbWarehouse.open(':memory:');
  try {
    const d = 'duckdb';
    const fileParams = { paths: keys.map((k) => source.filePath(k)), keys, max_line_bytes: MAX_LINE_BYTES, max_song_bytes: MAX_SONG_FILE_BYTES, raw_cap: MAX_RAW_KEPT };
    await db.execute([
      ...sqlStatements('schema/staging_events', d),
      ...sqlStatements('staging/duckdb/raw_lines', d),
      ...sqlStatements('staging/duckdb/typed_screen', d),
      ...sqlStatements('staging/duckdb/read_events', d, fileParams),
      ...sqlStatements('staging/duckdb/stage_typed_events', d, { run_id: 'alone' }),
      ...sqlStatements('staging/duckdb/unstaged_raw_lines', d, { run_id: 'alone', table: 'staging_events', ...keyRange(keys) }),
      'CREATE TABLE left_over AS SELECT source_key, source_line FROM etl_raw_lines ORDER BY source_key, source_line',
    ]);
    const [{ n }] = await db.query('SELECT COUNT(*) AS n FROM staging_events');
    const left = (await db.query('SELECT * FROM left_over')).map((r) => ({ source_key: String(r.source_key), source_line: Number(r.source_line) }));
    return { keys: new Set(keys), staged: Number(n), left };
  } finally {
    await db.close();
  }
}

describe.each([
  ['the real sample', () => SAMPLE],
  ['the bad-input corpus', () => {
    const dir = path.join(tempDir(), 'corpus');
    writeBadInputCorpus(dir);
    return dir;
  }],
])('%s', (name, dataDir) => {
  const ways: Partial<Record<Way, Staged>> = {};
  let data: string;
  // A key given twice (the corpus's 'duplicate keys' case): DuckDB takes the first, JSON.parse the last.
  const twice = badInputCorpus().find((c) => c.name === 'duplicate keys')!.key;

  beforeAll(async () => {
    data = dataDir();
    for (const way of WAYS) ways[way] = await stage(data, way);
  }, 240_000);

  test('DuckDB reading the event logs stages exactly what the checked SQL stages', () => {
    const { direct, checked } = ways as Record<Way, Staged>;
    expect(direct.tables.events.length).toBeGreaterThan(name === 'the real sample' ? 8000 : 20);
    // Song files are staged by the worker on every setting (test/songStaging.test.ts): events here.
    const events = (t: Staged['tables']) => ({ events: t.events, rejects: t.rejects.filter((r) => r.kind === 'events') });
    expect(events(direct.tables)).toEqual(events(checked.tables));
    expect(counts(direct.events)).toEqual(counts(checked.events));
  });

  test("the worker's raw lines parsed by DuckDB stage exactly what the checked SQL and DuckDB's own reading stage", () => {
    const { raw, checked, direct } = ways as Record<Way, Staged>;
    const events = (t: Staged['tables']) => ({ events: t.events, rejects: t.rejects.filter((r) => r.kind === 'events') });
    expect(events(raw.tables)).toEqual(events(checked.tables));
    expect(raw.tables).toEqual(direct.tables);
    expect(counts(raw.events)).toEqual(counts(checked.events));
    expect(raw.events.bytes).toBe(direct.events.bytes);
  });

  test('and what the worker parse stages, but for the words of JSON.parse and a key given twice', () => {
    const { direct, worker } = ways as Record<Way, Staged>;
    const of = (rows: Record<string, unknown>[], key: string) => rows.filter((r) => r.source_key === key);
    if (name === 'the bad-input corpus') {
      expect(direct.tables.rejects.length).toBeGreaterThan(30);
      expect(of(direct.tables.events, twice).map((r) => r.userid)).toEqual(['1']);
      expect(of(worker.tables.events, twice).map((r) => r.userid)).toEqual(['12']);
    }
    const drop = (rows: Record<string, unknown>[]) => rows.filter((r) => r.source_key !== twice);
    expect(drop(direct.tables.events)).toEqual(drop(worker.tables.events));
    expect(direct.tables.songs).toEqual(worker.tables.songs);
    expect(plainReasons(direct.tables.rejects)).toEqual(plainReasons(worker.tables.rejects));
    expect(counts(direct.events)).toEqual(counts(worker.events));
  });

  test('the typed stage stages the good lines itself; the checked SQL sees the bad ones and few good ones', async () => {
    const alone = await typedStageAlone(data);
    const direct = ways.direct as Staged;
    const at = (r: Record<string, unknown>) => `${r.source_key}:${r.source_line}`;
    const read = (r: Record<string, unknown>) => alone.keys.has(String(r.source_key));
    const staged = new Set(direct.tables.events.filter(read).map(at));
    const rejected = direct.tables.rejects.filter((r) => r.kind === 'events' && read(r));
    const left = new Set(alone.left.map(at));
    // Every bad line is left to the checked SQL, which rejects it with its reason; every line it left is staged or rejected.
    expect(rejected.filter((r) => !left.has(at(r)))).toEqual([]);
    const leftGood = alone.left.filter((l) => staged.has(at(l)));
    expect(leftGood.length + rejected.length).toBe(alone.left.length);
    // Good lines it leaves are those a typed read can't vouch for: in the real sample, one song title,
    // '1-2-8' (only digits and '-', as a number would read); in the corpus, an itemInSession of 3.0.
    const fraction = badInputCorpus().find((c) => c.name === 'fractional whole number')!.key;
    expect(leftGood).toEqual(name === 'the real sample' ? [expect.objectContaining({ source_line: expect.any(Number) })] : [{ source_key: fraction, source_line: 2 }]);
    if (name === 'the real sample') expect(direct.tables.events.find((r) => at(r) === at(leftGood[0]))).toMatchObject({ song: '1-2-8' });
    expect(alone.staged + leftGood.length).toBe(staged.size);
    if (name === 'the bad-input corpus') expect(alone.keys.size).toBe(badInputCorpus().filter((c) => c.kind === 'events').length - 2);
  }, 60_000);
});

describe('every kind of JSON value in every field', () => {
  let data: string;
  const ways: Partial<Record<Way, Staged>> = {};
  const lines = typingCorpusLines();

  beforeAll(async () => {
    data = path.join(tempDir(), 'typing');
    writeTypingCorpus(data);
    for (const way of WAYS) ways[way] = await stage(data, way);
  }, 240_000);

  test('DuckDB reading the file stages and rejects exactly what the checked SQL does', () => {
    const { direct, checked } = ways as Record<Way, Staged>;
    expect(direct.tables.events.length + direct.tables.rejects.length).toBe(lines.length);
    expect(direct.tables.events.length).toBeGreaterThan(lines.length / 4);
    expect(direct.tables.rejects.length).toBeGreaterThan(lines.length / 4);
    expect(direct.tables.events).toEqual(checked.tables.events);
    expect(direct.tables.rejects).toEqual(checked.tables.rejects);
  });

  test("the worker's raw lines parsed by DuckDB stage and reject exactly what the checked SQL does", () => {
    const { raw, checked } = ways as Record<Way, Staged>;
    expect(raw.tables.events.length + raw.tables.rejects.length).toBe(lines.length);
    expect(raw.tables.events).toEqual(checked.tables.events);
    expect(raw.tables.rejects).toEqual(checked.tables.rejects);
  });

  test('the typed stage itself takes the plain values: strings, canonical whole numbers, finite non-zero numbers', async () => {
    const alone = await typedStageAlone(data);
    // Staged by the checked SQL: in staging, or rejected after it for a level outside (free, paid) (src/activities/eventLevels.ts).
    const levelRule = /^field "level" (is missing|should be free or paid, got )/;
    const { events, rejects } = (ways.direct as Staged).tables;
    const staged = new Set([...events, ...rejects.filter((r) => levelRule.test(String(r.reason)))].map((r) => Number(r.source_line)));
    const left = new Set(alone.left.map((l) => l.source_line));
    expect(alone.staged + left.size).toBe(lines.length);
    // Every line the typed stage took is one the checked SQL stages (the other way round need not hold).
    for (let line = 1; line <= lines.length; line++) if (!left.has(line)) expect({ line, staged: staged.has(line) }).toEqual({ line, staged: true });
    // It takes a fair share by itself: the screen is not "leave everything to the checked SQL".
    expect(alone.staged).toBeGreaterThan(lines.length / 4);
    const valueOf = (line: number) => TRICKY_JSON_VALUES[(line - 1) % TRICKY_JSON_VALUES.length];
    const taken = new Set([...Array(lines.length).keys()].map((i) => i + 1).filter((l) => !left.has(l)).map(valueOf));
    for (const plain of ['"x"', '"\\u00f3"', '"😀"', 'null', '12', '277.98911', '1540000000000.0']) expect(taken).toContain(plain);
  }, 60_000);

  test('agrees with the worker parse wherever DuckDB and JSON.parse read the same value', () => {
    const { direct, worker } = ways as Record<Way, Staged>;
    const rowsByLine = (s: Staged) => new Map<number, Record<string, unknown>>([
      ...s.tables.events.map((r): [number, Record<string, unknown>] => [Number(r.source_line), { staged: r }]),
      ...plainReasons(s.tables.rejects).map((r): [number, Record<string, unknown>] => [Number(r.source_line), { rejected: String(r.reason).replace(/, got .*$/s, '') }]),
    ]);
    const d = rowsByLine(direct);
    const w = rowsByLine(worker);
    const differing = new Set<string>();
    for (let line = 1; line <= lines.length; line++) {
      if (JSON.stringify(d.get(line)) !== JSON.stringify(w.get(line))) {
        differing.add(TRICKY_JSON_VALUES[(line - 1) % TRICKY_JSON_VALUES.length]);
      }
    }
    // Where the two readers differ, by design (docs/staging.md): DuckDB's reader takes NaN and Infinity
    // literals (then the field is rejected), JSON.parse rejects the line; JSON.parse reads a number as a
    // double, so a text field takes an integral real (12.0, 1e2, 1e-999 as 0) as its JavaScript digits
    // where DuckDB rejects it as not text, and a whole number beyond 2^53 is rounded (out of range for it
    // in a BIGINT column, rounded digits in a text field) where DuckDB keeps it exact. Nothing else.
    expect([...differing].sort()).toEqual(
      [
        'NaN', '-NaN', 'nan', 'Infinity', '-Infinity', 'inf', 'INF', '-inf',
        '12.0', '-0.0', '0.0', '1e2', '1E2', '-1e2', '1.5e300', '1.0e5', '100000000000000000000.0', '1540000000000.0', '1536682843796.0',
        '1.7976931348623157e308', '1e-999',
        '9007199254740993', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
        '18446744073709551615', '99999999999999999999', '123456789012345678901234567890',
      ].sort(),
    );
  });
});

describe("a trailing comma before } or ] (DuckDB's JSON reader accepts it, JSON.parse does not)", () => {
  const ways: Partial<Record<Way, Staged>> = {};
  const good = JSON.stringify(goodEvent(1));
  const lines = [
    good,
    good.replace(/}$/, ',}'),
    good.replace(/}$/, ' , \t}'),
    good.replace(/}$/, ',"extra":[1,2,]}'),
    good.replace(/}$/, ',"extra":{"a":1,}}'),
    JSON.stringify(goodEvent(2, { song: 'a,} b, ]' })),
    JSON.stringify(goodEvent(3, { song: 'x",}' })),
  ];
  const TRAILING = [2, 3, 4, 5];

  beforeAll(async () => {
    const data = path.join(tempDir(), 'trailing');
    fs.mkdirSync(path.join(data, 'log_data', '2018', '11'), { recursive: true });
    fs.writeFileSync(path.join(data, 'log_data', '2018', '11', '2018-11-01-events.json'), lines.join('\n') + '\n');
    for (const way of WAYS) ways[way] = await stage(data, way);
  }, 120_000);

  test.each(WAYS)('%s: the lines with one are rejected as invalid JSON with their file and line; commas inside strings stage', (way) => {
    const staged = ways[way] as Staged;
    expect(staged.tables.events.map((r) => Number(r.source_line))).toEqual([1, 6, 7]);
    expect(staged.tables.rejects.map((r) => ({ key: r.source_key, line: Number(r.source_line), reason: String(r.reason).replace(/^invalid JSON: .*$/s, 'invalid JSON') }))).toEqual(
      TRAILING.map((line) => ({ key: 'log_data/2018/11/2018-11-01-events.json', line, reason: 'invalid JSON' })),
    );
    expect(staged.tables.rejects.map((r) => r.raw)).toEqual(TRAILING.map((line) => lines[line - 1]));
    expect(staged.tables.events).toEqual((ways.worker as Staged).tables.events);
  });
});
