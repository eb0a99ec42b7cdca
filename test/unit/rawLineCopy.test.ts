import { ChunkLineSplitter } from '../../src/staging/chunkLines';
import { isRawSafe, RawLineCopyEncoder, rawLineCopySegments, RAW_LINES_SEGMENT } from '../../src/staging/rawLineCopy';
import type { RawLine } from '../../src/staging/rawLines';
import { goodEvent } from '../support/badInputCorpus';
import { seededRandom } from './support/seededRandom';

/**
 * Raw event lines for DuckDB's typed stage (src/staging/rawLineCopy.ts): the line splitter hands
 * a region of complete lines to the encoder as bytes, or splits it into lines the encoder writes
 * one by one. Either way, every line the CSV reader can take back verbatim must come out as one
 * raw row (key, line, text), and every other line must go to the worker's own parse instead.
 */

const PIECES = ['{"a":1}', '{"b":"é€😀"}', '\n', '\n', '\n', '\r\n', '\r', ' ', '\t', '\v', '\0', 'x', '"', '\\N', '\ufeff'].map((s) => Buffer.from(s, 'utf8'));
const BAD_BYTES = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82])];

function randomInput(next: () => number): Buffer {
  const parts: Buffer[] = [];
  const n = Math.floor(next() * 80);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.05) parts.push(BAD_BYTES[Math.floor(next() * BAD_BYTES.length)]);
    else if (r < 0.1) parts.push(Buffer.alloc(Math.floor(next() * 40), 'y'));
    else parts.push(PIECES[Math.floor(next() * PIECES.length)]);
  }
  return Buffer.concat(parts);
}

function chunked(bytes: Buffer, next: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(next() * 60);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** The splitter's lines without a region taker: what the worker's line reader gives. */
function plainLines(key: string, chunks: Buffer[], cap: number): RawLine[] {
  const s = new ChunkLineSplitter(key, cap);
  for (const chunk of chunks) s.push(chunk);
  s.end();
  return s.takeLines();
}

/** Raw rows back as (key, line, text), as DuckDB's CSV reader (tab, no quoting) reads them. */
function readRaw(bytes: Buffer): { key: string; line: number; text: string }[] {
  const text = bytes.toString('utf8');
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n').map((row) => {
    const cells = row.split('\t');
    expect(cells).toHaveLength(3);
    return { key: cells[0], line: Number(cells[1]), text: cells[2] };
  });
}

test.each([
  ['a plain key', 'log_data/2018/11/2018-11-01-events.json'],
  ['a key with a tab', 'log_data/odd\tname.json'],
])('random bytes in random chunks, %s: raw rows are exactly the lines the CSV reader takes back', (_name, key) => {
  const next = seededRandom(20261130);
  let rawRows = 0;
  let parsed = 0;
  let fromBytes = 0;
  for (let i = 0; i < 2000; i++) {
    const chunks = chunked(randomInput(next), next);
    const cap = 8 + Math.floor(next() * 60);
    const expected = plainLines(key, chunks, cap);

    const encoder = new RawLineCopyEncoder('run', 'events', 100);
    const splitter = new ChunkLineSplitter(key, cap, encoder.regionTaker(key));
    for (const chunk of chunks) splitter.push(chunk);
    splitter.end();
    fromBytes += encoder.rawLines;
    const handedOn = splitter.takeLines();
    for (const line of handedOn) encoder.encode(line);
    const rows = readRaw(Buffer.concat(encoder.raw.take()));

    const raw = expected.filter((l) => l.problem === null && isRawSafe(l.text) && isRawSafe(key));
    expect(rows.sort((a, b) => a.line - b.line)).toEqual(raw.map((l) => ({ key, line: l.line, text: l.text })));
    // Every other line went to the worker's parse, which staged or rejected it.
    const others = expected.length - raw.length;
    if (others > 0) expect(encoder.parsedBytes).toBeGreaterThan(0);
    else expect(encoder.parsedBytes).toBe(0);
    rawRows += rows.length;
    parsed += others;
  }
  // The random input exercises both routes, and (for a plain key) the bytes route.
  expect(parsed).toBeGreaterThan(500);
  if (key.includes('\t')) expect(rawRows).toBe(0);
  else {
    expect(rawRows).toBeGreaterThan(500);
    expect(fromBytes).toBeGreaterThan(100);
  }
});

test('segments: raw lines, then the lines parsed here as staging rows and rejects, in one pass', async () => {
  const lines: RawLine[] = [
    { sourceKey: 'k', line: 1, text: '{"page":"NextSong","userId":"1"}', problem: null },
    { sourceKey: 'k', line: 2, text: JSON.stringify(goodEvent(2)).replace('":"', '":\t"'), problem: null },
    { sourceKey: 'k', line: 3, text: 'x'.repeat(10), problem: 'line is 2000000 bytes long, more than the limit of 1048576' },
  ];
  async function* batches() {
    yield lines;
  }
  const segments: { table: string; text: string }[] = [];
  for await (const segment of rawLineCopySegments('run', 'events', batches(), 100)) {
    const chunks: Buffer[] = [];
    for await (const chunk of segment.data) chunks.push(chunk);
    segments.push({ table: segment.table, text: Buffer.concat(chunks).toString('utf8') });
  }
  expect(segments.map((s) => s.table)).toEqual([RAW_LINES_SEGMENT, 'staging_events', 'etl_rejected_records']);
  expect(segments[0].text).toBe('k\t1\t{"page":"NextSong","userId":"1"}\n');
  // The tab line was parsed here (a tab between JSON tokens is whitespace), the problem line rejected with its reason.
  expect(segments[1].text).toMatch(/^run\tk\t2\t/);
  expect(segments[2].text).toMatch(/^run\tevents\tk\t3\tline is 2000000 bytes long/);
});
