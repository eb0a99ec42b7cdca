import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLine } from '../../src/etl/records';
import { ChunkLineSplitter, isLineRegion } from '../../src/staging/chunkLines';
import { FILE_COUNT_COLUMNS, StagingCopyEncoder, stagingCopySegments } from '../../src/staging/copyStaging';
import type { CopyFlavour } from '../../src/staging/copyText';
import { nativeRowsState, type NativeRows } from '../../src/staging/nativeRows';
import type { RawLine } from '../../src/staging/rawLines';
import { goodEvent, goodSong, writeBadInputCorpus } from '../support/badInputCorpus';

/**
 * With countFiles, the staging encoder counts each file's staged rows as it writes them, into
 * etl_file_counts rows (run, kind, file key, rows), which PostgreSQL's ledger reads instead of
 * grouping the run's staging rows by file (sql/ledger/postgres/record.sql). The counts must be the
 * rows written, on every path a line takes: decoded, written from its bytes in JavaScript, or by
 * the native encoder (which returns how many rows each call wrote).
 */
const SAMPLE_LOGS = path.resolve(__dirname, '../../../shared/data/udacity-sample/log_data');
const RUN = 'run-1';
const RAW_CAP = 200;

const nativeState = nativeRowsState();
const native = nativeState.loaded ? nativeState.rows : null;

type Way = 'general' | 'javascript' | 'native';

interface FileBytes {
  key: string;
  bytes: Buffer;
}

/** Each file's lines through a splitter (regions, or lines for the general way) and the encoder. */
function encodeFiles(files: FileBytes[], way: Way, flavour: CopyFlavour, countFiles = true): { stagedKeys: string[]; counts: string[] } {
  const encoder = new StagingCopyEncoder(RUN, 'events', RAW_CAP, flavour, way === 'native' ? native : null, countFiles);
  const staged: Buffer[] = [];
  for (const file of files) {
    const splitter = new ChunkLineSplitter(file.key, 1024 * 1024, undefined, way !== 'general');
    const feed = () => {
      for (const item of splitter.takeItems()) {
        if (isLineRegion(item)) encoder.encodeRegion(item);
        else encoder.encode(item);
      }
      staged.push(...encoder.staged.take());
    };
    // Chunks of 4 KiB: a file's rows come from many regions.
    for (let at = 0; at < file.bytes.length; at += 4096) {
      splitter.push(file.bytes.subarray(at, at + 4096));
      feed();
    }
    splitter.end();
    feed();
  }
  encoder.endFileCount();
  const rows = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8').split('\n').filter((r) => r !== '');
  // The file key is the second value in either flavour (tab-separated; the keys here need no quoting).
  return { stagedKeys: rows(staged).map((r) => r.split('\t')[1]), counts: rows(encoder.fileCounts.take()) };
}

/** The counts a file list should give: per key, the lines parseLine stages. */
function expectedCounts(files: FileBytes[]): string[] {
  return files.flatMap((file) => {
    const n = file.bytes
      .toString('utf8')
      .split('\n')
      .filter((text, i) => text.trim() !== '' && parseLine('events', file.key, i + 1, text.replace(/\r$/, '')).cells).length;
    return n > 0 ? [[RUN, 'events', file.key, String(n)].join('\t')] : [];
  });
}

let corpusDir: string;
let files: FileBytes[];
beforeAll(() => {
  corpusDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-counts-'));
  writeBadInputCorpus(corpusDir);
  const logsIn = (dir: string): string[] =>
    fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f)).sort();
  const sample = logsIn(SAMPLE_LOGS).slice(0, 3).map((f) => ({ key: `log_data/${path.basename(f)}`, bytes: fs.readFileSync(f) }));
  const corpus = logsIn(path.join(corpusDir, 'log_data')).map((f) => ({ key: `log_data/${path.relative(path.join(corpusDir, 'log_data'), f)}`, bytes: fs.readFileSync(f) }));
  // Blank lines, CRLF endings and a file with nothing to stage, between the real ones.
  const mixed = Buffer.from(['', JSON.stringify(goodEvent(1)), '   ', JSON.stringify(goodEvent(2)) + '\r', '{"broken', '', JSON.stringify(goodEvent(3))].join('\n'));
  files = [...sample, { key: 'log_data/mixed.json', bytes: mixed }, { key: 'log_data/nothing.json', bytes: Buffer.from('\n{"broken\n[1]\n') }, ...corpus];
});
afterAll(() => fs.rmSync(corpusDir, { recursive: true, force: true }));

test.each(['general', 'javascript', 'native'] as const)('%s: each file with a staged row gets one count, the rows written for it', (way) => {
  if (way === 'native' && !native) throw new Error(`the native encoder is not loaded: ${nativeState.loaded ? '' : nativeState.why}`);
  for (const flavour of ['text', 'csv'] as const) {
    const { stagedKeys, counts } = encodeFiles(files, way, flavour);
    // The real logs and the mixed file as parseLine stages their lines (the corpus's lines include
    // ones its splitter treats apart: a byte-order mark, invalid UTF-8, an over-long line).
    const plain = files.filter((f) => !f.key.includes('/2018/'));
    expect(counts.filter((c) => plain.some((f) => c.includes(f.key)))).toEqual(expectedCounts(plain));
    const written = new Map<string, number>();
    for (const key of stagedKeys) written.set(key, (written.get(key) ?? 0) + 1);
    expect(counts).toEqual([...written].map(([key, n]) => [RUN, 'events', key, String(n)].join('\t')));
    // The sample's logs, the mixed file and some of the corpus's; not the file with nothing staged.
    expect(counts.length).toBeGreaterThan(4);
    expect(counts.some((c) => c.includes('nothing.json'))).toBe(false);
  }
});

test('without countFiles nothing is counted', () => {
  expect(encodeFiles(files, 'javascript', 'text', false).counts).toEqual([]);
  if (native) expect(encodeFiles(files, 'native', 'text', false).counts).toEqual([]);
});

test('a native encoder that does not say how many rows it wrote (built before it counted) is refused, not trusted', () => {
  const real = native;
  if (!real) throw new Error('the native encoder is not loaded');
  const stale: NativeRows = {
    encodeLines: (config, region, prefix, out, cursor) => real.encodeLines(config, region, prefix, out, cursor.subarray(0, 4)),
  };
  const encoder = new StagingCopyEncoder(RUN, 'events', RAW_CAP, 'text', stale, true);
  const splitter = new ChunkLineSplitter('log_data/a.json', 1024, undefined, true);
  splitter.push(Buffer.from(`\n${JSON.stringify(goodEvent(1))}\n${JSON.stringify(goodEvent(2))}\n`));
  splitter.end();
  const regions = splitter.takeItems().filter(isLineRegion);
  expect(regions.length).toBeGreaterThan(0);
  expect(() => regions.forEach((r) => encoder.encodeRegion(r))).toThrow('the native row encoder predates row counts: rebuild it (scripts/native.sh)');
});

test('segments: the counts go to etl_file_counts between staging segments, whenever their buffer fills, and lose none', async () => {
  const lines: RawLine[] = [];
  for (let i = 1; i <= 300; i++) {
    const key = `song_data/A/B/C/TR${String(i).padStart(5, '0')}.json`;
    lines.push({ sourceKey: key, line: 1, text: JSON.stringify(goodSong(`S${i}`)), problem: null });
    // Every seventh file rejected whole: no count.
    if (i % 7 === 0) lines[lines.length - 1] = { ...lines[lines.length - 1], text: '{"broken' };
  }
  async function* batches(): AsyncGenerator<RawLine[]> {
    for (let i = 0; i < lines.length; i += 10) yield lines.slice(i, i + 10);
  }
  const seen: { table: string; rows: string[] }[] = [];
  for await (const segment of stagingCopySegments(RUN, 'songs', batches(), RAW_CAP, 1000, 'text', true)) {
    const chunks: Buffer[] = [];
    for await (const chunk of segment.data) chunks.push(chunk);
    seen.push({ table: segment.table, rows: Buffer.concat(chunks).toString('utf8').split('\n').filter((r) => r !== '') });
    if (segment.table === 'etl_file_counts') expect(segment.columns).toEqual(FILE_COUNT_COLUMNS);
  }
  expect(seen.filter((s) => s.table === 'etl_file_counts').length).toBeGreaterThan(2);
  const counted = seen.filter((s) => s.table === 'etl_file_counts').flatMap((s) => s.rows.map((r) => r.split('\t')));
  expect(counted.map((r) => r[2])).toEqual(lines.filter((l) => l.text !== '{"broken').map((l) => l.sourceKey));
  expect(counted.every((r) => r[0] === RUN && r[1] === 'songs' && r[3] === '1')).toBe(true);
  // Without countFiles, the same lines give no such segment.
  const plain: string[] = [];
  for await (const segment of stagingCopySegments(RUN, 'songs', batches(), RAW_CAP, 1000, 'text')) {
    plain.push(segment.table);
    for await (const _chunk of segment.data) void _chunk;
  }
  expect(plain).not.toContain('etl_file_counts');
});
