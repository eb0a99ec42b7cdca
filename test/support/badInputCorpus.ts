import fs from 'node:fs';
import path from 'node:path';

/**
 * A corpus of bad (and tricky but good) source records and song files, built in code so every
 * case says what it expects: how many records stage, and which lines are rejected and why.
 * Each event case is its own daily log file (one date each); each song case its own song file.
 */
export interface CorpusCase {
  name: string;
  kind: 'events' | 'songs';
  /** Source key, relative to the data root. */
  key: string;
  content: Buffer;
  staged: number;
  rejects: { line: number; reason: RegExp }[];
}

const T0 = Date.UTC(2018, 10, 1, 12);

/** A valid event record; `fields` override or (with undefined) remove keys. */
export function goodEvent(i: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const e: Record<string, unknown> = {
    artist: 'Björk', auth: 'Logged In', firstName: 'Ann', gender: 'F', itemInSession: i, lastName: 'Lee', length: 215.5,
    level: 'free', location: 'Boston, MA', method: 'PUT', page: 'NextSong', registration: 1540000000000.0, sessionId: 7,
    song: 'Jóga', status: 200, ts: T0 + i * 1000, userAgent: '"Mozilla/5.0"', userId: '12', ...fields,
  };
  for (const [k, v] of Object.entries(fields)) if (v === undefined) delete e[k];
  return e;
}

export function goodSong(id: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    num_songs: 1, artist_id: `AR${id}`, artist_latitude: 35.1, artist_longitude: -90.0, artist_location: 'Memphis, TN',
    artist_name: 'Someone', song_id: `SO${id}`, title: 'Tune', duration: 200.5, year: 2000, ...fields,
  };
}

const j = (value: unknown) => JSON.stringify(value);
const lines = (...ls: string[]) => Buffer.from(ls.join('\n') + '\n', 'utf8');
const ok = () => j(goodEvent(0));

/** The longest line staged (src/staging/rawLines.ts MAX_LINE_BYTES); the corpus goes past it. */
export const CORPUS_MAX_LINE_BYTES = 1024 * 1024;
export const CORPUS_MAX_SONG_FILE_BYTES = 4 * 1024 * 1024;

/** How deep the corpus nests a value: 200 KB of brackets, far past what a recursive walk survives. */
const NESTING = 100_000;
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

type EventCase = [name: string, content: Buffer, staged: number, rejects: [number, RegExp][]];
type SongCase = EventCase;

function eventCases(): EventCase[] {
  const withField = (field: string, value: unknown) => j(goodEvent(1, { [field]: value }));
  return [
    ['leading byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), lines(ok(), j(goodEvent(1)))]), 2, []],
    ['CRLF line endings', Buffer.from(`${ok()}\r\n${j(goodEvent(1))}\r\n`), 2, []],
    ['blank and whitespace-only lines', lines(ok(), '', '   \t', j(goodEvent(3))), 2, []],
    ['no newline after the last line', Buffer.from(`${ok()}\n${j(goodEvent(1))}`), 2, []],
    ['truncated JSON', lines(ok(), '{"page":"Home","ts":15410'), 1, [[2, /^invalid JSON/]]],
    ['trailing garbage after the object', lines(`${ok()} xyz`, j(goodEvent(1))), 1, [[1, /^invalid JSON/]]],
    ['two objects on one line', lines(`${ok()}${j(goodEvent(1))}`), 0, [[1, /^invalid JSON/]]],
    ['an array, a string, a number and null', lines('[1,2]', '"text"', '42', 'null', ok()), 1,
      [[1, /^not a JSON object/], [2, /^not a JSON object/], [3, /^not a JSON object/], [4, /^not a JSON object/]]],
    ['ts as words', lines(withField('ts', 'soon')), 0, [[1, /^field "ts" should be a whole number, got "soon"$/]]],
    // Beyond PostgreSQL's and Redshift's TIMESTAMP (4713 BC to 294276 AD), then just outside and just inside the supported dates.
    ['ts outside the supported dates', lines(
      withField('ts', -9007199254740991), withField('ts', 9007199254740991), withField('ts', '-62167219200001'),
      withField('ts', -2208988800001), withField('ts', 7258118400000), withField('ts', -2208988800000), withField('ts', 7258118399999),
    ), 2, [
      [1, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got -9007199254740991$/],
      [2, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got 9007199254740991$/],
      [3, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got "-62167219200001"$/],
      [4, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got -2208988800001$/],
      [5, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got 7258118400000$/]]],
    ['ts missing and ts null', lines(j(goodEvent(1, { ts: undefined })), j(goodEvent(2, { ts: null }))), 0,
      [[1, /^field "ts" is missing$/], [2, /^field "ts" is missing$/]]],
    ['page missing', lines(j(goodEvent(1, { page: undefined }))), 0, [[1, /^field "page" is missing$/]]],
    ['userId not digits', lines(withField('userId', 'bob'), withField('userId', '-5')), 0,
      [[1, /^field "userId" should be digits or empty, got "bob"$/], [2, /^field "userId" should be digits or empty, got "-5"$/]]],
    // JavaScript's trim() takes every Unicode space; each engine's TRIM takes spaces (U+0020) only,
    // so these staged and then failed the users publish's cast on every attempt.
    ['userId with white space other than spaces', lines(
      withField('userId', '\t'), withField('userId', '\u20289'), withField('userId', '\ufeff9'), withField('userId', '\u00a09'),
      withField('userId', '9\u3000')), 0,
      [[1, /^field "userId" should be digits or empty, got /], [2, /^field "userId" should be digits or empty, got /],
        [3, /^field "userId" should be digits or empty, got /], [4, /^field "userId" should be digits or empty, got /],
        [5, /^field "userId" should be digits or empty, got /]]],
    ['userId beyond 32 bits', lines(withField('userId', '99999999999'), withField('userId', '2147483648'), withField('userId', '2147483647')), 1,
      [[1, /^field "userId" is out of range for INTEGER/], [2, /^field "userId" is out of range for INTEGER/]]],
    ['sessionId beyond 64 bits', lines(ok().replace('"sessionId":7', '"sessionId":99999999999999999999')), 0,
      [[1, /^field "sessionId" is out of range for BIGINT/]]],
    ['sessionId beyond 32 bits fits BIGINT', lines(withField('sessionId', 3000000000)), 1, []],
    ['itemInSession and status beyond 32 bits', lines(withField('itemInSession', 3000000000), withField('status', -2147483649)), 0,
      [[1, /^field "itemInSession" is out of range for INTEGER, got 3000000000$/], [2, /^field "status" is out of range for INTEGER, got -2147483649$/]]],
    ['fractional whole number', lines(withField('status', 200.5), ok().replace('"itemInSession":0', '"itemInSession":3.0')), 1,
      [[1, /^field "status" should be a whole number, got 200.5$/]]],
    ['number field as text', lines(withField('length', 'long'), withField('registration', '1540000000000')), 0,
      [[1, /^field "length" should be a number, got "long"$/], [2, /^field "registration" should be a number/]]],
    ['number beyond DOUBLE PRECISION', lines(ok().replace('"length":215.5', '"length":1e999')), 0,
      [[1, /^field "length" is out of range for DOUBLE PRECISION/]]],
    ['nested object and array in text fields', lines(withField('artist', { name: 'x' }), withField('song', ['a'])), 0,
      [[1, /^field "artist" should be text, got \{/], [2, /^field "song" should be text, got \[/]]],
    ['boolean in a text field', lines(withField('level', true)), 0, [[1, /^field "level" should be text, got true$/]]],
    // Nesting that a recursive walk of the value (JSON.stringify) cannot follow: each line is under the cap.
    ['deeply nested values', lines(
      ok(),
      j(goodEvent(1)).replace('"artist":"Björk"', `"artist":${nestedArrays(NESTING)}`),
      j(goodEvent(2)).replace('"song":"Jóga"', `"song":${nestedObjects(NESTING / 2)}`),
      j(goodEvent(3)).replace('{', `{"extra":${nestedArrays(NESTING)},`),
    ), 2,
      [[2, /^field "artist" should be text, got \[{80}…$/], [3, /^field "song" should be text, got (\{"a":){16}…$/]]],
    // A key given twice is not an error (RFC 8259 leaves it open): which occurrence counts is the engine's.
    ['duplicate keys', lines(ok().replace('{', '{"userId":"1",')), 1, []],
    ['NUL byte in a line', Buffer.concat([lines(ok()), Buffer.from('{"page":"Home"\0}\n'), lines(j(goodEvent(2)))]), 2,
      [[2, /NUL byte/]]],
    ['escaped NUL in a string', lines(withField('song', 'a\u0000b'), ok()), 1, [[1, /NUL\) escape/]]],
    ['invalid UTF-8', Buffer.concat([lines(ok()), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x0a])]), 1,
      [[2, /not valid UTF-8/]]],
    ['line longer than the cap', lines(ok(), withField('userAgent', 'x'.repeat(CORPUS_MAX_LINE_BYTES + 10)), j(goodEvent(2))), 2,
      [[2, /^line is \d+ bytes long, more than the limit of 1048576$/]]],
    ['long line under the cap', lines(withField('userAgent', 'y'.repeat(200_000))), 1, []],
    ['huge quoted value is capped in the reason', lines(withField('ts', 'z'.repeat(10_000))), 0,
      [[1, /^field "ts" should be a whole number, got "z{79}…$/]]],
    ['userId as a number and ts as digit text', lines(withField('userId', 42), withField('ts', String(T0))), 2, []],
    ['unicode escapes and emoji', lines(ok().replace('"Jóga"', '"J\\u00f3ga \\ud83c\\udfb5"'), withField('artist', 'Sigur Rós — ( ͡° ͜ʖ ͡°)')), 2, []],
    ['empty file', Buffer.alloc(0), 0, []],
    ['only blank lines', Buffer.from('\n\n  \n\r\n'), 0, []],
    ['BOM only', Buffer.from([0xef, 0xbb, 0xbf]), 0, []],
  ];
}

function songCases(): SongCase[] {
  const s = (id: string, fields: Record<string, unknown> = {}) => j(goodSong(id, fields));
  return [
    ['one object', Buffer.from(s('A1')), 1, []],
    ['two concatenated objects', Buffer.from(s('B1') + s('B2')), 2, []],
    ['objects on separate lines', Buffer.from(`${s('C1')}\n${s('C2')}\n`), 2, []],
    ['an array of objects', Buffer.from(`[${s('D1')},\n ${s('D2')}]`), 2, []],
    ['pretty-printed object', Buffer.from(JSON.stringify(goodSong('E1'), null, 2)), 1, []],
    ['leading byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s('F1'))]), 1, []],
    ['braces and brackets inside strings', Buffer.from(s('G1', { title: 'a}b{c]["' })), 1, []],
    ['empty file', Buffer.alloc(0), 0, []],
    ['truncated object', Buffer.from(s('H1').slice(0, 40)), 0, [[1, /^invalid JSON/]]],
    ['object then garbage', Buffer.from(`${s('I1')}\ngarbage`), 1, [[2, /^invalid JSON/]]],
    ['array with a non-object', Buffer.from(`[${s('J1')}, 5]`), 1, [[1, /^not a JSON object/]]],
    ['song_id missing', Buffer.from(j({ ...goodSong('K1'), song_id: undefined })), 0, [[1, /^field "song_id" is missing$/]]],
    ['year beyond 32 bits', Buffer.from(s('L1', { year: 1e10 })), 0, [[1, /^field "year" is out of range for INTEGER/]]],
    ['duration as text', Buffer.from(s('M1', { duration: '3:20' })), 0, [[1, /^field "duration" should be a number, got "3:20"$/]]],
    ['invalid UTF-8', Buffer.concat([Buffer.from(s('N1').slice(0, -2)), Buffer.from([0xff, 0x7d])]), 0, [[1, /not valid UTF-8/]]],
    ['deeply nested value', Buffer.from(s('P1').replace('"title":"Tune"', `"title":${nestedArrays(NESTING)}`)), 0,
      [[1, /^field "title" should be text, got \[{80}…$/]]],
    ['larger than the cap', Buffer.from(s('O1', { title: 't'.repeat(CORPUS_MAX_SONG_FILE_BYTES) })), 0, [[1, /^song file is more than 4194304 bytes/]]],
  ];
}

/** Every case of the corpus, with its source key. */
export function badInputCorpus(): CorpusCase[] {
  const events = eventCases().map(([name, content, staged, rejects], i): CorpusCase => {
    const date = new Date(Date.UTC(2018, 10, 1 + i)).toISOString().slice(0, 10);
    const [y, m] = date.split('-');
    return { name, kind: 'events', key: `log_data/${y}/${m}/${date}-events.json`, content, staged, rejects: rejects.map(([line, reason]) => ({ line, reason })) };
  });
  const songs = songCases().map(([name, content, staged, rejects], i): CorpusCase => ({
    name, kind: 'songs', key: `song_data/Q/R/S/TRCORPUS${String(i).padStart(3, '0')}.json`, content, staged, rejects: rejects.map(([line, reason]) => ({ line, reason })),
  }));
  return [...events, ...songs];
}

/** Writes the corpus under `root` (log_data/…, song_data/…) and returns it. */
export function writeBadInputCorpus(root: string): CorpusCase[] {
  const corpus = badInputCorpus();
  for (const c of corpus) {
    const file = path.join(root, ...c.key.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, c.content);
  }
  return corpus;
}
