import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENT_FIELDS, EVENT_USER_ID_INDEX } from '../../src/etl/records';
import { ChunkLineSplitter, isLineRegion } from '../../src/staging/chunkLines';
import { StagingCopyEncoder } from '../../src/staging/copyStaging';
import type { CopyFlavour } from '../../src/staging/copyText';
import { JsonRowBytes } from '../../src/staging/jsonRowBytes';
import { ENCODED_ALL, fieldsConfig, nativeRowsState, type NativeRows } from '../../src/staging/nativeRows';
import { goodEvent, writeBadInputCorpus } from '../support/badInputCorpus';
import { seededRandom } from './support/seededRandom';

/**
 * Rows written straight from a line's bytes (src/staging/jsonRowBytes.ts, through
 * StagingCopyEncoder.encodeRegion), and by the native encoder (native/rows, nativeRows.ts), must
 * be byte for byte the rows and rejects of the general path (each line decoded, JSON.parse, the
 * field checks, copyTextValue), in both COPY flavours.
 */
const SAMPLE = path.resolve(__dirname, '../../../shared/data/udacity-sample/log_data');
const RUN = 'run-1';
const RAW_CAP = 200;

interface Encoded {
  staged: string;
  rejects: string;
}

/** The native encoder: built wherever cargo is (test/unit/nativeRows.test.ts fails if not). */
const nativeState = nativeRowsState();
const native = nativeState.loaded ? nativeState.rows : null;

/** Each line decoded and parsed ('general'), or regions of lines written from their bytes, in JavaScript or natively. */
type Way = 'general' | 'javascript' | 'native';

function encode(bytes: Buffer, chunkBytes: number, flavour: CopyFlavour, way: Way): Encoded {
  const encoder = new StagingCopyEncoder(RUN, 'events', RAW_CAP, flavour, way === 'native' ? native : null);
  const splitter = new ChunkLineSplitter('log_data/k\tey.json', 1024 * 1024, undefined, way !== 'general');
  const staged: Buffer[] = [];
  const feed = () => {
    for (const item of splitter.takeItems()) {
      if (isLineRegion(item)) encoder.encodeRegion(item);
      else encoder.encode(item);
    }
    staged.push(...encoder.staged.take());
  };
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    splitter.push(bytes.subarray(at, at + chunkBytes));
    if (splitter.pending >= 64) feed();
  }
  splitter.end();
  feed();
  return { staged: Buffer.concat(staged).toString('utf8'), rejects: Buffer.concat(encoder.rejects.take()).toString('utf8') };
}

function expectSame(bytes: Buffer, chunkBytes: number): void {
  for (const flavour of ['text', 'csv'] as const) {
    const general = encode(bytes, chunkBytes, flavour, 'general');
    expect(encode(bytes, chunkBytes, flavour, 'javascript')).toEqual(general);
    if (native) expect(encode(bytes, chunkBytes, flavour, 'native')).toEqual(general);
  }
}

/**
 * The lines as one region of complete lines, as the byte path sees them: in one chunk, after a
 * first (blank) line (a chunk's first line may have begun in the chunk before, so it goes the
 * line reader's way), without the lines holding a `\u0000` (it sends its whole region the general way).
 */
function expectSameInOneRegion(lines: string[]): void {
  const bytes = Buffer.from('\n' + lines.filter((l) => !l.includes('\\u0000')).join('\n') + '\n', 'utf8');
  expectSame(bytes, bytes.length);
}

/** How many of the lines the byte path takes itself (the rest go the general way). */
function takenFromBytes(lines: string[]): number {
  const parser = new JsonRowBytes(EVENT_FIELDS, 'text', EVENT_USER_ID_INDEX);
  return lines.filter((l) => {
    const b = Buffer.from(l, 'utf8');
    return parser.parse(b, 0, b.length);
  }).length;
}

/** How many of the (non-blank) lines the native encoder writes itself. */
function takenNatively(rows: NativeRows, lines: string[]): number {
  const config = fieldsConfig(EVENT_FIELDS, 'csv', EVENT_USER_ID_INDEX);
  const out = Buffer.alloc(1 << 20);
  const cursor = new Int32Array(4);
  return lines.filter((l) => {
    cursor.set([0, 1, 0, 0]);
    return l.trim() !== '' && rows.encodeLines(config, Buffer.from(l, 'utf8'), Buffer.alloc(0), out, cursor) === ENCODED_ALL;
  }).length;
}

/** The native encoder takes the lines the JavaScript byte path takes, except numbers JavaScript prints differently (and INTEGERs of 10 digits). */
function expectNativeTakes(lines: string[], fromBytes: number, atLeast: number): void {
  if (!native) return;
  const natively = takenNatively(native, lines);
  expect(natively).toBeLessThanOrEqual(fromBytes);
  expect(natively).toBeGreaterThanOrEqual(atLeast);
}

test('the real sample logs: the same rows, all of them from bytes', () => {
  const files = fs.readdirSync(SAMPLE, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  expect(files.length).toBeGreaterThan(20);
  let lines = 0;
  let fromBytes = 0;
  const allLines: string[] = [];
  for (const entry of files) {
    const bytes = fs.readFileSync(path.join(entry.parentPath, entry.name));
    expectSame(bytes, 65_536);
    const text = bytes.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    allLines.push(...text);
    lines += text.length;
    fromBytes += takenFromBytes(text);
  }
  expect(lines).toBeGreaterThan(8000);
  expect(fromBytes).toBe(lines);
  if (native) expect(takenNatively(native, allLines)).toBe(lines);
});

test('the bad-input corpus: the same rows and rejects', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-rowbytes-'));
  try {
    writeBadInputCorpus(dir);
    const logs = fs.readdirSync(path.join(dir, 'log_data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(logs.length).toBeGreaterThan(3);
    for (const entry of logs) expectSame(fs.readFileSync(path.join(entry.parentPath, entry.name)), 65_536);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Values each field is tried with: every JSON type, and the numbers and strings the byte path handles or refuses. */
const NUMBERS = ['0', '-0', '0.0', '-0.000', '1', '-1', '1.0', '1.50', '12.000', '0.5', '-0.25', '1e3', '1E-7', '2.5e+2', '123456789', '1234567890', '2147483647', '2147483648', '-2147483648', '-2147483649', '123456789012345', '1234567890123456', '9007199254740993', '1e400', '-1e400', '0.1234567890123456', '1541030451796', '1536682843796.0', '277.98911', '012', '1.', '.5', '-', '+1', '1e', '0x10', 'NaN', 'Infinity'];
const STRINGS = ['', 'plain', 'Bj\\u00f6rk', 'euro \\u20ac', 'tab\\there', 'new\\nline', 'cr\\r', 'back\\\\slash', 'quote\\"d', 'sl\\/ash', 'bs\\b ff\\f', '\\u0009\\u000a\\u000d\\u005c\\u0022', '\\u0001\\u001f\\u007f', 'moon \\ud83c\\udf19', 'lone \\ud83c here', 'lone low \\udf19', 'pair \\uD83D\\uDE00', 'nul \\u0000', 'not nul \\\\u0000', '\\N', '\\\\N', 'bad \\x', 'bad \\u12', 'bad \\u12zz', 'raw\ttab', '€ 😀', ' 12 ', '12', '007', '99999999999', 'abc', '-5'];
const OTHERS = ['null', 'true', 'false', '{}', '[]', '{"a":[1,{"b":2}]}', '"unterminated'];

function eventLine(overrides: Record<string, string | undefined>, order?: string[]): string {
  const base = goodEvent(3);
  const keys = order ?? Object.keys(base);
  const parts: string[] = [];
  for (const key of keys) {
    if (key in overrides) {
      const v = overrides[key];
      if (v !== undefined) parts.push(`"${key}":${v}`);
    } else {
      parts.push(`${JSON.stringify(key)}:${JSON.stringify(base[key])}`);
    }
  }
  for (const [key, v] of Object.entries(overrides)) if (!keys.includes(key) && v !== undefined) parts.push(`"${key}":${v}`);
  return `{${parts.join(',')}}`;
}

test('every field with every kind of value: the same rows and rejects', () => {
  const lines: string[] = [];
  for (const field of EVENT_FIELDS) {
    for (const n of NUMBERS) lines.push(eventLine({ [field.key]: n }));
    for (const s of STRINGS) lines.push(eventLine({ [field.key]: `"${s}"` }));
    for (const o of OTHERS) lines.push(eventLine({ [field.key]: o }));
    lines.push(eventLine({ [field.key]: undefined }));
  }
  lines.push(
    eventLine({ extra: '"x"', more: '12.5', none: 'null', nested: '{"a":1}' }),
    eventLine({}, [...Object.keys(goodEvent(0))].reverse()),
    eventLine({ '\\u0061rtist': '"escaped key"' }),
    eventLine({ ts: '1', ts2: '2' }).replace('"ts2"', '"ts"'),
    eventLine({}).replace(/,/g, ' , ').replace(/:/g, ' :\t').replace('{', ' \t{ ') + ' \r',
    eventLine({}) + ' x',
    eventLine({}) + '}',
    eventLine({}).slice(0, -1),
    '{}',
    '[]',
    '"text"',
    '12',
    '\ufeff' + eventLine({}),
    '\u00a0' + eventLine({}),
    '\v' + eventLine({}),
    ' \t ',
    '',
  );
  const bytes = Buffer.from(lines.join('\n') + '\n', 'utf8');
  expectSameInOneRegion(lines);
  for (const chunk of [65_536, 97, 7]) expectSame(bytes, chunk);
  // Both ways were taken: the byte path for most, the general one for what it refuses.
  const fromBytes = takenFromBytes(lines);
  expect(fromBytes).toBeGreaterThan(300);
  expect(fromBytes).toBeLessThan(lines.length - 200);
  expectNativeTakes(lines, fromBytes, 300);
});

test('random edits of real lines: the same rows and rejects', () => {
  const next = seededRandom(20261130);
  const base = [eventLine({}), eventLine({ userAgent: '"\\"Mozilla\\/5.0 (X11) \\u00e9\\ud83c\\udf19\\""', length: '230.000', registration: '1.5e12' })];
  const inserts = ['"', '\\', ',', ':', '{', '}', '[', ' ', '0', '9', '.', '-', 'e', 'n', 'u', '\\u', '\\u0000', '\t', '\r', 'é', '😀'];
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) {
    let line = base[Math.floor(next() * base.length)];
    const edits = 1 + Math.floor(next() * 3);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(next() * line.length);
      const r = next();
      if (r < 0.4) line = line.slice(0, at) + inserts[Math.floor(next() * inserts.length)] + line.slice(at);
      else if (r < 0.8) line = line.slice(0, at) + line.slice(at + 1 + Math.floor(next() * 3));
      else line = line.slice(0, at) + line.slice(at, at + 8) + line.slice(at);
    }
    lines.push(line);
  }
  expectSameInOneRegion(lines);
  const bytes = Buffer.from(lines.join('\n'), 'utf8');
  expectSame(bytes, 65_536);
  expectSame(bytes, 1000);
  const fromBytes = takenFromBytes(lines);
  expect(fromBytes).toBeGreaterThan(200);
  expect(fromBytes).toBeLessThan(lines.length - 1000);
  expectNativeTakes(lines, fromBytes, 200);
});
