import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIELDS_BY_KIND, parseLine, type CellValue } from '../../src/etl/records';
import type { RecordKind } from '../../src/etl/types';
import { LocalSource } from '../../src/source';
import { REJECT_COLUMNS, StagingCopyEncoder, stagingCopySegments } from '../../src/staging/copyStaging';
import { CopyTextWriter } from '../../src/staging/copyText';
import { rawLinesOf, type RawLine } from '../../src/staging/rawLines';
import { stageInWarehouse } from '../../src/staging/stageInWarehouse';
import { hasCopyTextStaging } from '../../src/warehouse/copyTextStaging';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatements } from '../../src/warehouse/sql';
import { writeBadInputCorpus } from '../support/badInputCorpus';
import { listedKeysOf } from '../../src/staging/listedKeys';

/**
 * The PostgreSQL staging encoder writes COPY text straight from each parsed record. Its rows must
 * be exactly what the row-by-row path (parseLine's cells, each escaped) gives, for the real sample,
 * the bad-input corpus and values that need escapes; rejects carry the same reasons.
 */
const SAMPLE = path.resolve(__dirname, '../../../shared/data/udacity-sample');
const RUN = 'run\t1';
const RAW_CAP = 65_536;

/** COPY text of one value, the plain way (the row path's encoding). */
function copyField(value: CellValue): string {
  if (value === null) return '\\N';
  const text = typeof value === 'number' ? String(value) : value;
  return text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

function expectedRows(kind: RecordKind, lines: RawLine[]): { staged: string[]; rejected: string[] } {
  const staged: string[] = [];
  const rejected: string[] = [];
  for (const l of lines) {
    const parsed = l.problem === null ? parseLine(kind, l.sourceKey, l.line, l.text) : undefined;
    if (parsed?.cells) staged.push([RUN, l.sourceKey, l.line, ...parsed.cells].map(copyField).join('\t'));
    else rejected.push([RUN, kind, l.sourceKey, l.line, parsed?.rejected?.reason ?? l.problem, l.text.slice(0, RAW_CAP)].map(copyField).join('\t'));
  }
  return { staged, rejected };
}

const rowsOf = (chunks: Buffer[]): string[] => {
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? [] : text.slice(0, -1).split('\n');
};

async function linesOf(root: string, kind: RecordKind): Promise<RawLine[]> {
  const source = new LocalSource(root);
  const keys: string[] = [];
  for await (const o of source.list(kind === 'events' ? 'log_data/' : 'song_data/')) if (!o.skip) keys.push(o.key);
  const out: RawLine[] = [];
  for await (const batch of rawLinesOf(kind, keys, source, { filesDone: 0, bytes: 0, lines: 0 }, () => undefined)) out.push(...batch);
  return out;
}

let corpusDir: string;
beforeAll(() => {
  corpusDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-copy-'));
  writeBadInputCorpus(corpusDir);
});
afterAll(() => fs.rmSync(corpusDir, { recursive: true, force: true }));

describe.each(['events', 'songs'] as const)('COPY text of %s', (kind) => {
  test.each([
    ['the real sample', () => SAMPLE],
    ['the bad-input corpus', () => corpusDir],
  ])('from %s equals the row path, row for row and reject for reject', async (_name, root) => {
    const lines = await linesOf(root(), kind);
    const expected = expectedRows(kind, lines);
    expect(expected.staged.length).toBeGreaterThan(0);
    const encoder = new StagingCopyEncoder(RUN, kind, RAW_CAP);
    for (const l of lines) encoder.encode(l);
    expect(rowsOf(encoder.staged.take())).toEqual(expected.staged);
    expect(rowsOf(encoder.rejects.take())).toEqual(expected.rejected);
    if (root() === corpusDir) expect(expected.rejected.length).toBeGreaterThan(5);
  });
});

test('values that need escapes, and a bad field after good ones, leave no partial row', () => {
  const encoder = new StagingCopyEncoder('r', 'events', RAW_CAP);
  const good = { page: 'NextSong', ts: 1, sessionId: 2, itemInSession: 3, userId: '4', artist: 'a\tb\\c\nd\re', song: 'é\u2028\\/' };
  encoder.encode({ sourceKey: 'k\tey', line: 1, text: JSON.stringify(good), problem: null });
  // userId is checked after every field: the row was written up to the end and must be taken back.
  encoder.encode({ sourceKey: 'k\tey', line: 2, text: JSON.stringify({ ...good, userId: 'bob' }), problem: null });
  const staged = rowsOf(encoder.staged.take());
  expect(staged).toHaveLength(1);
  const cells = staged[0].split('\t');
  expect(cells.slice(0, 3)).toEqual(['r', 'k\\tey', '1']);
  const names = FIELDS_BY_KIND.events.map((f) => f.key);
  expect(cells[3 + names.indexOf('artist')]).toBe('a\\tb\\\\c\\nd\\re');
  expect(cells[3 + names.indexOf('song')]).toBe('é\u2028\\\\/');
  expect(cells[3 + names.indexOf('gender')]).toBe('\\N');
  const rejects = rowsOf(encoder.rejects.take());
  expect(rejects).toHaveLength(1);
  expect(rejects[0].split('\t').slice(0, 5)).toEqual(['r', 'events', 'k\\tey', '2', 'field "userId" should be digits or empty, got "bob"']);
});

test('a row larger than a chunk gets a chunk of its own', () => {
  const w = new CopyTextWriter(16);
  w.reserve(4);
  w.ascii('abc');
  w.endRow();
  const long = 'x'.repeat(100);
  w.reserve(3 * long.length + 1);
  w.text(long);
  w.endRow();
  const chunks = w.take();
  expect(chunks.map((c) => c.length)).toEqual([4, 101]);
  expect(Buffer.concat(chunks).toString()).toBe(`abc\n${long}\n`);
  expect(w.size).toBe(0);
});

test('segments switch to etl_rejected_records whenever the rejects fill their buffer, and lose nothing', async () => {
  const lines: RawLine[] = [];
  for (let i = 1; i <= 50; i++) {
    const text = i % 3 === 0 ? `{"broken ${'y'.repeat(200)}` : JSON.stringify({ page: 'Home', ts: i, sessionId: 1, itemInSession: i, userId: '' });
    lines.push({ sourceKey: 'log_data/a.json', line: i, text, problem: null });
  }
  async function* batches(): AsyncGenerator<RawLine[]> {
    for (let i = 0; i < lines.length; i += 5) yield lines.slice(i, i + 5);
  }
  const seen: { table: string; rows: string[] }[] = [];
  for await (const segment of stagingCopySegments('r', 'events', batches(), RAW_CAP, 1000)) {
    const chunks: Buffer[] = [];
    for await (const chunk of segment.data) chunks.push(chunk);
    seen.push({ table: segment.table, rows: rowsOf(chunks) });
    if (segment.table === 'etl_rejected_records') expect(segment.columns).toEqual(REJECT_COLUMNS);
  }
  const tables = seen.map((s) => s.table);
  expect(tables.filter((t) => t === 'etl_rejected_records').length).toBeGreaterThan(2);
  expect(tables.every((t, i) => i === 0 || t !== tables[i - 1])).toBe(true);
  const lineNumbers = (table: string, at: number) => seen.filter((s) => s.table === table).flatMap((s) => s.rows.map((r) => Number(r.split('\t')[at])));
  expect(lineNumbers('staging_events', 2)).toEqual(lines.filter((l) => l.line % 3 !== 0).map((l) => l.line));
  expect(lineNumbers('etl_rejected_records', 3)).toEqual(lines.filter((l) => l.line % 3 === 0).map((l) => l.line));
});

test('stopping the segments early (a failed COPY) closes the lines being read', async () => {
  let closed = false;
  async function* batches(): AsyncGenerator<RawLine[]> {
    try {
      for (let i = 1; ; i++) yield [{ sourceKey: 'log_data/a.json', line: i, text: JSON.stringify({ page: 'Home', ts: i, sessionId: 1, itemInSession: i }), problem: null }];
    } finally {
      closed = true;
    }
  }
  const segments = stagingCopySegments('r', 'events', batches(), RAW_CAP);
  const first = await segments.next();
  const data = (first.value as { data: AsyncIterable<Buffer> }).data[Symbol.asyncIterator]();
  await data.next();
  await segments.return(undefined);
  expect(closed).toBe(true);
});

/**
 * DuckDB stages copy segments in a CSV flavour through its own CSV reader. Its staging rows and
 * rejects must equal the appender path's (parsed rows appended cell by cell) exactly, including
 * values that need quoting, NULL against the empty string and "\N" as text, and non-ASCII.
 */
describe('DuckDB copy segments (CSV flavour)', () => {
  const SCHEMA = ['staging_events', 'staging_songs', 'etl_tables'];
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-duckcsv-'));
    const tricky = (artist: string, i: number) => JSON.stringify({ page: 'NextSong', ts: 1541105830796 + i, sessionId: 7, itemInSession: i, userId: '12', artist, song: 'ok', gender: i % 2 === 0 ? '' : null });
    const values = ['a\tb', 'line\nbreak', 'cr\rhere', 'say "hi"', '"', '""', '\\N', '\\', 'back\\slash\\N', '', ' padded ', 'é😀\u2028', '\u0001\u007f\u001f', 'x,y;z', "it's"];
    const lines = values.map((v, i) => tricky(v, i + 1));
    lines.push('{"page": "NextSong", "artist": "tab\\there", "ts": "x\\"y"}', 'not json "quoted"\t\\N');
    fs.mkdirSync(path.join(dir, 'tricky', 'log_data'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tricky', 'log_data', 'tricky.json'), lines.join('\n') + '\n');
    fs.mkdirSync(path.join(dir, 'corpus'));
    writeBadInputCorpus(path.join(dir, 'corpus'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function staged(root: string, kind: RecordKind, via: 'copy' | 'rows', name: string, partBytes = 1) {
    const file = path.join(dir, `${name}-${kind}-${via}.duckdb`);
    const opened = await DuckDbWarehouse.open(file);
    try {
      await opened.execute(SCHEMA.flatMap((n) => sqlStatements(`schema/${n}`, 'duckdb')));
      // Small parts: a segment is spooled to many files, one loading while the next is written.
      opened.copyPartBytes = partBytes;
      // The worker's parse: DuckDB reading the files itself (the default) is test/stagingTyped.test.ts's.
      opened.readsLocalFiles = false;
      expect(hasCopyTextStaging(opened)).toBe(true);
      // The appender path: the same warehouse with its copy-segment staging hidden.
      const warehouse = via === 'copy' ? opened : (Object.create(opened, { stageCopySegments: { value: undefined } }) as DuckDbWarehouse);
      expect(hasCopyTextStaging(warehouse)).toBe(via === 'copy');
      const source = new LocalSource(root);
      const keys: string[] = [];
      for await (const o of source.list(kind === 'events' ? 'log_data/' : 'song_data/')) if (!o.skip) keys.push(o.key);
      const result = await stageInWarehouse({ runId: 'r1', kind, keys: listedKeysOf(keys), source, warehouse, heartbeat: () => undefined });
      const rows = await opened.query(`SELECT * FROM staging_${kind} ORDER BY source_key, source_line`);
      const rejects = await opened.query('SELECT * FROM etl_rejected_records ORDER BY source_key, source_line');
      // The spool folder beside the database is left empty.
      if (via === 'copy') expect(fs.readdirSync(`${file}.tmp`)).toEqual([]);
      return { result, rows, rejects };
    } finally {
      await opened.close();
    }
  }

  test('a part DuckDB cannot load fails the whole call: nothing stays, the spool folder is emptied', async () => {
    const file = path.join(dir, 'failing.duckdb');
    const warehouse = await DuckDbWarehouse.open(file);
    try {
      await warehouse.execute(SCHEMA.flatMap((n) => sqlStatements(`schema/${n}`, 'duckdb')));
      warehouse.copyPartBytes = 1;
      const row = (line: string) => Buffer.from(`r\tkind\tk\t${line}\treason\traw\n`);
      async function* segments() {
        yield { table: 'etl_rejected_records', columns: REJECT_COLUMNS, data: [row('1'), row('2')] };
        yield { table: 'etl_rejected_records', columns: REJECT_COLUMNS, data: [row('3'), row('not a line number')] };
      }
      const before = ["INSERT INTO etl_rejected_records VALUES ('r', 'kind', 'k', 0, 'before', NULL)"];
      await expect(warehouse.stageCopySegments(segments(), { before, after: [] })).rejects.toThrow(/not a line number|INTEGER/);
      expect(await warehouse.query('SELECT count(*) AS n FROM etl_rejected_records')).toEqual([{ n: 0 }]);
      expect(fs.readdirSync(`${file}.tmp`)).toEqual([]);
      // The same call with good rows commits all of them.
      async function* good() {
        yield { table: 'etl_rejected_records', columns: REJECT_COLUMNS, data: [row('1'), row('2')] };
      }
      await warehouse.stageCopySegments(good(), { before, after: [] });
      expect(await warehouse.query('SELECT count(*) AS n FROM etl_rejected_records')).toEqual([{ n: 3 }]);
    } finally {
      await warehouse.close();
    }
  });

  test.each([
    ['events', 'tricky'],
    ['events', 'corpus'],
    ['songs', 'corpus'],
  ] as const)('%s from the %s files: the same rows and rejects as the appender path', async (kind, name) => {
    const root = path.join(dir, name);
    const copy = await staged(root, kind, 'copy', name);
    const rows = await staged(root, kind, 'rows', name);
    // One part per segment as well as a part per chunk.
    expect(await staged(root, kind, 'copy', `${name}-whole`, 1 << 30)).toEqual(copy);
    expect(copy.rows.length).toBeGreaterThan(0);
    expect(copy.rejects.length).toBeGreaterThan(0);
    expect(copy.rows).toEqual(rows.rows);
    expect(copy.rejects).toEqual(rows.rejects);
    expect(copy.result).toEqual(rows.result);
    if (name === 'tricky') {
      const artists = copy.rows.map((r) => r.artist);
      expect(artists).toEqual(['a\tb', 'line\nbreak', 'cr\rhere', 'say "hi"', '"', '""', '\\N', '\\', 'back\\slash\\N', '', ' padded ', 'é😀\u2028', '\u0001\u007f\u001f', 'x,y;z', "it's"]);
      expect(copy.rows.map((r) => r.gender)).toEqual(copy.rows.map((_r, i) => ((i + 1) % 2 === 0 ? '' : null)));
      expect(copy.rejects.map((r) => r.raw)).toContain('not json "quoted"\t\\N');
    }
  });
});
