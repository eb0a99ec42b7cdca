import { Readable } from 'node:stream';
import { readLines } from '../../src/etl/lineReader';
import { EVENT_FIELDS, parseLine, parseRawLine } from '../../src/etl/records';

/** A stream's lines as the staging paths read them (1 MiB cap), each parsed or rejected. */
async function* parseRecords(input: Readable) {
  for await (const batch of readLines(input, { maxLineBytes: 1024 * 1024 })) {
    for (const l of batch) yield parseRawLine('events', { sourceKey: 'k', ...l });
  }
}

const realEvent =
  '{"artist":"Des\'ree","auth":"Logged In","firstName":"Kaylee","gender":"F","itemInSession":1,"lastName":"Summers","length":246.30812,"level":"free","location":"Phoenix-Mesa-Scottsdale, AZ","method":"PUT","page":"NextSong","registration":1540344794796.0,"sessionId":139,"song":"You Gotta Be","status":200,"ts":1541106106796,"userAgent":"\\"Mozilla\\/5.0 (Windows NT 6.1; WOW64)\\"","userId":"8"}';

describe('record parsing', () => {
  test('a real event becomes one cell per source field, in source order', () => {
    const parsed = parseLine('events', 'log_data/2018/11/2018-11-01-events.json', 3, realEvent);
    expect(parsed.rejected).toBeUndefined();
    const byKey = Object.fromEntries(EVENT_FIELDS.map((f, i) => [f.key, parsed.cells![i]]));
    expect(byKey).toMatchObject({ artist: "Des'ree", userId: '8', ts: 1541106106796, registration: 1540344794796, length: 246.30812, sessionId: 139 });
  });

  test.each([
    ['{"page":"Home"', /invalid JSON/],
    ['[1,2]', /not a JSON object/],
    ['{"page":"Home","ts":"yesterday","sessionId":1,"itemInSession":0,"userId":"1"}', /field "ts" should be a whole number, got "yesterday"/],
    ['{"page":"Home","sessionId":1,"itemInSession":0,"userId":"1"}', /field "ts" is missing/],
    ['{"page":"Home","ts":1,"sessionId":1,"itemInSession":0,"userId":"bob"}', /field "userId" should be digits or empty/],
    ['{"page":"NextSong","ts":1,"sessionId":1,"itemInSession":0,"userId":"1","length":"long"}', /field "length" should be a number/],
    ['{"page":"Home","ts":1,"sessionId":1,"itemInSession":0,"userId":"99999999999"}', /field "userId" is out of range for INTEGER/],
    ['{"page":"Home","ts":1,"sessionId":1,"itemInSession":3000000000,"userId":"1"}', /field "itemInSession" is out of range for INTEGER, got 3000000000/],
    ['{"page":"Home","ts":1,"sessionId":99999999999999999999,"itemInSession":0,"userId":"1"}', /field "sessionId" is out of range for BIGINT/],
    [`{"page":"Home","ts":"${'9'.repeat(500)}","sessionId":1,"itemInSession":0,"userId":"1"}`, /^field "ts" is out of range for BIGINT, got "9{79}…$/],
  ])('rejects %s with a reason naming the problem', (line, reason) => {
    const parsed = parseLine('events', 'log_data/x.json', 7, line);
    expect(parsed.cells).toBeUndefined();
    expect(parsed.rejected).toEqual({ sourceKey: 'log_data/x.json', sourceLine: 7, reason: expect.stringMatching(reason), raw: line });
  });

  // The value a reason quotes is its JSON text, as JSON.stringify writes it, cut at 80 characters.
  test.each([
    ['an object with a nested array', { name: 'x', tags: [1, 'two', null, { deep: true }] }],
    ['an array with escapes and an empty object', ['a"b', 'c\\d', 'line\nbreak', {}, []]],
    ['a long array, cut', Array.from({ length: 60 }, (_, i) => i * 1000)],
    ['an object with long keys and a long string, cut', { ['k'.repeat(50)]: 'v'.repeat(200), other: 1 }],
    ['emoji where the cut falls', ['x'.repeat(77) + '🎵🎵']],
  ])('quotes %s as JSON.stringify would, capped', (_name, value) => {
    const line = JSON.stringify({ page: 'Home', ts: 1, sessionId: 1, itemInSession: 0, userId: '1', artist: value });
    const json = JSON.stringify(value);
    const quoted = json.length > 80 ? `${json.slice(0, 80)}…` : json;
    expect(parseLine('events', 'log_data/x.json', 1, line).rejected?.reason).toBe(`field "artist" should be text, got ${quoted}`);
  });

  test('a value nested deeper than a recursive walk can go is rejected with its start quoted, not a stack overflow', () => {
    const depth = 200_000;
    const arrays = `{"page":"Home","ts":1,"sessionId":1,"itemInSession":0,"userId":"1","artist":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const objects = `{"page":"Home","ts":1,"sessionId":1,"itemInSession":0,"userId":"1","song":${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}}`;
    expect(parseLine('events', 'log_data/x.json', 1, arrays).rejected?.reason).toBe(`field "artist" should be text, got ${'['.repeat(80)}…`);
    expect(parseLine('events', 'log_data/x.json', 2, objects).rejected?.reason).toBe(`field "song" should be text, got ${'{"a":'.repeat(16)}…`);
  });

  test('a leading byte-order mark does not cost the first record; CRLF ends a line', async () => {
    const input = Readable.from([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${realEvent}\r\n${realEvent}`)]);
    const out = [];
    for await (const r of parseRecords(input)) out.push({ line: r.line, ok: r.cells !== undefined });
    expect(out).toEqual([
      { line: 1, ok: true },
      { line: 2, ok: true },
    ]);
  });

  test('an over-long line is cut while reading and rejected with its length', async () => {
    const long = `{"page":"Home","userAgent":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    const out = [];
    for await (const r of parseRecords(Readable.from([`${long}\n${realEvent}\n`]))) out.push(r);
    expect(out.map((r) => r.line)).toEqual([1, 2]);
    expect(out[0].rejected).toMatchObject({ sourceLine: 1, reason: expect.stringMatching(/^line is 2097\d+ bytes long, more than the limit of 1048576$/) });
    expect(out[0].rejected!.raw.length).toBeLessThanOrEqual(65_536);
    expect(out[1].cells).toBeDefined();
  });

  test('reads line by line, numbering lines as in the file and skipping blank ones', async () => {
    const input = Readable.from([`${realEvent}\n\n{"broken"\n`, realEvent]);
    const out = [];
    for await (const r of parseRecords(input)) out.push({ line: r.line, ok: r.cells !== undefined });
    expect(out).toEqual([
      { line: 1, ok: true },
      { line: 3, ok: false },
      { line: 4, ok: true },
    ]);
  });
});
