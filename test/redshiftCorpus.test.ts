/**
 * The bad-input corpus (test/support/badInputCorpus.ts) through the Redshift path: listing, then
 * a server-side COPY (events with a JSONPaths file, songs with JSON 'auto', MAXERROR, TRUNCATECOLUMNS)
 * on the Data API emulator, from the loopback S3 server. For each case: what Redshift's COPY does
 * by AWS's documentation, asserted; no crash; every record read is staged or rejected with a reason.
 *
 * Pages cited below (docs.aws.amazon.com/redshift/latest/dg/…):
 * - JSON: copy-usage_notes-copy-from-json.html ("COPY from JSON format")
 * - LOADERR: r_Load_Error_Reference.html (load error codes)
 * - INPUT: t_preparing-input-data.html ("Preparing your input data")
 * - VARCHAR: r_Character_types.html (VARCHAR holds at most 65535 bytes)
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import type { StageResult } from '../src/etl/types';
import { silentLogger } from '../src/log';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, type S3Server } from './harness/s3';
import { badInputCorpus, type CorpusCase } from './support/badInputCorpus';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';

/** A reject: its line (null where COPY can't say, see docs/redshift.md) and its reason. */
type Reject = [line: number | null, reason: RegExp];
interface Expected {
  staged: number;
  rejects: Reject[];
  /** Why Redshift does this, with the documentation it follows (rejects ordered by line, then reason). */
  why: string;
}
/** Cases AWS documents no behaviour for: only "no crash, every record accounted for" is asserted. */
interface Undocumented {
  undocumented: string;
}

const loadError = (code: number, text = '.*') => new RegExp(`^${text} \\(load error ${code}\\)$`);
const invalidLine = loadError(1216, 'Invalid JSON object: .*');
const missing = (field: string): Reject => [null, new RegExp(`^field "${field}" is missing$`)];
const cut = (field: string): Reject => [null, new RegExp(`^field "${field}" reaches the 65535-byte limit of a Redshift VARCHAR \\(cut by COPY\\)$`)];

/** Keyed by `kind: case name`. Every corpus case is here or in NOT_ON_REDSHIFT (checked below). */
const ON_REDSHIFT: Record<string, Expected | Undocumented> = {
  'events: leading byte-order mark': { undocumented: 'AWS documents no byte-order mark handling for JSON COPY; the emulator reads U+FEFF as whitespace' },
  'events: CRLF line endings': { staged: 2, rejects: [], why: 'JSON: records are objects separated by whitespace; CR is whitespace' },
  'events: blank and whitespace-only lines': { staged: 2, rejects: [], why: 'JSON: whitespace between objects' },
  'events: no newline after the last line': { staged: 2, rejects: [], why: 'JSON: objects need no separator at all' },
  'events: truncated JSON': { staged: 1, rejects: [[2, invalidLine]], why: 'LOADERR 1216 "Input line is not valid": a broken object is a load error, counted against MAXERROR' },
  'events: trailing garbage after the object': {
    staged: 2,
    rejects: [[1, invalidLine]],
    why: 'JSON: objects may follow each other on a line, so the object loads; the text after it is not an object (LOADERR 1216). The next line loads',
  },
  'events: two objects on one line': { staged: 2, rejects: [], why: 'JSON: "{…} {…}" is two records; COPY loads both where the line parser rejects the line' },
  'events: an array, a string, a number and null': {
    staged: 1,
    rejects: [
      [2, invalidLine],
      [3, invalidLine],
      [4, invalidLine],
      // JSON: an array is a record too; its JSONPaths ($['artist'], …) find no member, so every column is NULL.
      missing('itemInSession'),
    ],
    why: 'JSON: a record is an object or an array; "text", 42 and null are not (LOADERR 1216)',
  },
  'events: ts as words': { staged: 0, rejects: [[1, loadError(1207, "column ts \\(int8\\): Invalid digit, Value 's', Pos 0, Type: Long")]], why: 'LOADERR 1207: a value outside 0-9 for an integer column' },
  'events: ts missing and ts null': { staged: 0, rejects: [missing('ts'), missing('ts')], why: 'JSON: a path with no value, or null, loads NULL; the staging rule rejects a record without ts' },
  'events: ts outside the supported dates': {
    staged: 2,
    rejects: [
      [null, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got -2208988800001$/],
      [null, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got -62167219200001$/],
      [null, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got -9007199254740991$/],
      [null, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got 7258118400000$/],
      [null, /^field "ts" is outside the supported dates 1900-01-01 … 2199-12-31, got 9007199254740991$/],
    ],
    why: 'JSON: numbers and digit text load into the BIGINT; the staging rule rejects a time outside the supported dates, as the worker does',
  },
  'events: page missing': { staged: 0, rejects: [missing('page')], why: 'JSON: a missing member loads NULL; the staging rule rejects it' },
  'events: userId not digits': {
    staged: 0,
    rejects: [
      [null, /^field "userId" should be digits or empty, got -5$/],
      [null, /^field "userId" should be digits or empty, got bob$/],
    ],
    why: 'userid is text in staging, so COPY loads it; the staging rule rejects what is not digits',
  },
  'events: userId with white space other than spaces': {
    staged: 0,
    rejects: Array.from({ length: 5 }, () => [null, /^field "userId" should be digits or empty, got /] as [null, RegExp]),
    why: 'userid is text in staging, so COPY loads it; the staging rule trims spaces only (as TRIM does), so a tab, U+00A0 or U+FEFF around the digits is not digits',
  },
  'events: userId beyond 32 bits': {
    staged: 1,
    rejects: [
      [null, /^field "userId" is out of range for INTEGER, got 2147483648$/],
      [null, /^field "userId" is out of range for INTEGER, got 99999999999$/],
    ],
    why: 'userid is text in staging, so COPY loads any digits; the star tables cast it to INTEGER, so the staging rule rejects it rather than fail a later step',
  },
  'events: sessionId beyond 64 bits': {
    staged: 0,
    rejects: [[1, loadError(1222, "column sessionid \\(int8\\): Overflow, Value '99999999999999999999', Pos 0, Type: Long")]],
    why: 'LOADERR 1222: integer value overflow',
  },
  'events: sessionId beyond 32 bits fits BIGINT': { staged: 1, rejects: [], why: 'sessionid is BIGINT' },
  'events: itemInSession and status beyond 32 bits': {
    staged: 0,
    rejects: [
      [1, loadError(1222, "column iteminsession \\(int4\\): Overflow, Value '3000000000', Pos 0, Type: Integer")],
      [2, loadError(1222, "column status \\(int4\\): Overflow, Value '-2147483649', Pos 0, Type: Integer")],
    ],
    why: 'LOADERR 1222: integer value overflow',
  },
  'events: fractional whole number': {
    staged: 0,
    rejects: [
      [1, loadError(1207, "column status \\(int4\\): Invalid digit, Value '.', Pos 3, Type: Integer")],
      [2, loadError(1207, "column iteminsession \\(int4\\): Invalid digit, Value '.', Pos 1, Type: Integer")],
    ],
    why: "LOADERR 1207: COPY reads the number's text, and '.' is outside 0-9 for an integer column, in 3.0 as in 200.5 (the line parser accepts 3.0)",
  },
  'events: number field as text': {
    staged: 1,
    rejects: [[1, loadError(1208, "column length \\(float8\\): Invalid digit, Value 'long', Pos 0, Type: Double")]],
    why: 'LOADERR 1208: FLOAT format error for "long"; the quoted number "1540000000000" is a valid FLOAT text, so COPY loads it',
  },
  'events: number beyond DOUBLE PRECISION': {
    staged: 0,
    rejects: [[1, loadError(1204, "column length \\(float8\\): Overflow, Value '1e999', Pos 0, Type: Double")]],
    why: 'LOADERR 1204: input data exceeded the acceptable range for the data type',
  },
  'events: nested object and array in text fields': {
    staged: 2,
    rejects: [],
    why: 'JSON: "If the value … referenced by a JSONPath expression is an object or an array, the entire object or array is loaded as a string"',
  },
  'events: deeply nested values': {
    undocumented: 'AWS documents no nesting limit for JSON COPY. The emulator loads each array or object a JSONPath names as its text (JSON, documented) and cuts the text at 65535 bytes like any other (VARCHAR); line 4 nests only in a member no JSONPath names',
  },
  'events: boolean in a text field': {
    staged: 0,
    rejects: [[null, /^field "level" should be free or paid, got "true"$/]],
    why: 'JSON: a scalar loads into a VARCHAR as its text; the field is level, whose rule then rejects "true" (the other engines reject the boolean as not text)',
  },
  'events: duplicate keys': { undocumented: 'AWS documents no rule for a member given twice; the emulator keeps the last, as JSON.parse does' },
  'events: NUL byte in a line': {
    staged: 2,
    rejects: [[2, invalidLine]],
    why: 'INPUT: without NULL AS, a NUL terminator fails the record; a raw NUL is not valid inside JSON either (LOADERR 1216)',
  },
  'events: escaped NUL in a string': {
    staged: 1,
    rejects: [[1, loadError(1220, 'column song \\(varchar\\): String contains invalid or unsupported UTF8 codepoints.*')]],
    why: 'INPUT: a NUL (UTF-8 0000) fails the record without NULL AS; LOADERR 1220',
  },
  'events: invalid UTF-8': {
    undocumented: 'INPUT says data may only hold valid UTF-8 (LOADERR 1220), but not whether COPY checks a member no JSONPath reads; the emulator checks the columns it loads, so the record loads empty and the staging rule rejects it',
  },
  'events: line longer than the cap': {
    staged: 2,
    rejects: [cut('userAgent')],
    why: "JSON: an object may be up to 4 MB, so COPY reads the line (the worker's 1 MB line cap does not apply); VARCHAR: TRUNCATECOLUMNS cuts the value at 65535 bytes and the staging rule rejects the cut record",
  },
  'events: long line under the cap': {
    staged: 0,
    rejects: [cut('userAgent')],
    why: 'VARCHAR: 200,000 bytes do not fit the 65535-byte staging column, which PostgreSQL and DuckDB (TEXT) do not limit',
  },
  'events: huge quoted value is capped in the reason': {
    staged: 0,
    rejects: [[1, loadError(1207, "column ts \\(int8\\): Invalid digit, Value 'z', Pos 0, Type: Long")]],
    why: 'LOADERR 1207; the reason names the first bad character, not the 10,000-character value',
  },
  'events: userId as a number and ts as digit text': { staged: 2, rejects: [], why: 'JSON: a number loads into a VARCHAR as its text, digit text into a BIGINT' },
  'events: unicode escapes and emoji': { staged: 2, rejects: [], why: 'INPUT: UTF-8 characters up to four bytes load into VARCHAR' },
  'events: only blank lines': { staged: 0, rejects: [], why: 'JSON: whitespace holds no record' },
  'events: BOM only': { undocumented: 'as for the leading byte-order mark: not documented; nothing to load here' },
  'songs: one object': { staged: 1, rejects: [], why: 'JSON' },
  'songs: two concatenated objects': { staged: 2, rejects: [], why: 'JSON: objects may be concatenated' },
  'songs: objects on separate lines': { staged: 2, rejects: [], why: 'JSON: objects separated by whitespace' },
  'songs: an array of objects': {
    staged: 0,
    rejects: [[2, loadError(1216, "Invalid JSON object: an array record needs a JSONPaths file, not JSON 'auto'")]],
    why: "JSON: an array is one record whose elements map to columns through a JSONPaths file; song files load with JSON 'auto', so the array is a load error (the line parser stages each object)",
  },
  'songs: pretty-printed object': { staged: 1, rejects: [], why: 'JSON: an object may span lines' },
  'songs: leading byte-order mark': { undocumented: 'AWS documents no byte-order mark handling for JSON COPY; the emulator reads U+FEFF as whitespace' },
  'songs: braces and brackets inside strings': { staged: 1, rejects: [], why: 'JSON: strings may hold any character' },
  'songs: truncated object': { staged: 0, rejects: [[1, invalidLine]], why: 'LOADERR 1216' },
  'songs: object then garbage': { staged: 1, rejects: [[2, invalidLine]], why: 'LOADERR 1216 for the text that is not an object; the object loads' },
  'songs: array with a non-object': {
    staged: 0,
    rejects: [[1, loadError(1216, "Invalid JSON object: an array record needs a JSONPaths file, not JSON 'auto'")]],
    why: "JSON: an array record needs a JSONPaths file; songs load with 'auto'",
  },
  'songs: song_id missing': { staged: 0, rejects: [missing('song_id')], why: "JSON 'auto': a missing member loads NULL; the staging rule rejects it" },
  'songs: year beyond 32 bits': { staged: 0, rejects: [[1, loadError(1222, "column year \\(int4\\): Overflow, Value '10000000000', Pos 0, Type: Integer")]], why: 'LOADERR 1222' },
  'songs: duration as text': { staged: 0, rejects: [[1, loadError(1208, "column duration \\(float8\\): Invalid digit, Value '3:20'.*")]], why: 'LOADERR 1208' },
  'songs: invalid UTF-8': { staged: 0, rejects: [[1, invalidLine]], why: "the corpus's bad byte replaces the object's closing digits, so the object is not valid JSON (LOADERR 1216)" },
  'songs: deeply nested value': { undocumented: 'AWS documents no nesting limit for JSON COPY; see "events: deeply nested values"' },
  'songs: larger than the cap': {
    staged: 0,
    rejects: [[1, loadError(1216, 'The total size of the json object exceeds the max limit of 4194304 bytes')]],
    why: 'JSON: "The maximum size of a single JSON object or array, including braces or brackets, is 4 MB"; beyond it COPY fails (a load error, so MAXERROR decides)',
  },
};

/** Corpus cases that never reach Redshift's COPY, and why. */
const NOT_ON_REDSHIFT: Record<string, string> = {
  'events: empty file': 'the listing skips an empty file with a reason before any engine sees it (asserted below)',
  'songs: empty file': 'the listing skips an empty file with a reason before any engine sees it (asserted below)',
};

const BUCKET = 'corpus';
const caseKey = (c: CorpusCase) => `${c.kind}: ${c.name}`;

let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator;
let resources: Resources;
let activities: ReturnType<typeof createActivities>;
const corpus = badInputCorpus();

function redshiftUri(maxError: number): string {
  return `redshift-data://workgroup/etl/dev?region=us-east-1&iamRole=default&maxError=${maxError}&endpoint=${emulator.endpoint}`;
}

async function upload(prefix: string, cases: CorpusCase[]): Promise<void> {
  for (const c of cases) await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: prefix + c.key, Body: c.content }));
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'rscorpus'), s3: s3.settings });
  await s3.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
  resources = new Resources({ s3: s3.settings, log: silentLogger });
  activities = createActivities({ resources, log: silentLogger });
  await activities.createSchema({ warehouse: redshiftUri(1000) });
}, 120_000);

afterAll(async () => {
  await resources?.close();
  await emulator?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

test('every corpus case is either asserted on Redshift or listed with the reason it does not apply', () => {
  const keys = corpus.map(caseKey);
  expect(keys.filter((k) => !(k in ON_REDSHIFT) && !(k in NOT_ON_REDSHIFT))).toEqual([]);
  expect([...Object.keys(ON_REDSHIFT), ...Object.keys(NOT_ON_REDSHIFT)].filter((k) => !keys.includes(k))).toEqual([]);
});

describe('each case in its own run (one file per COPY, so rows and rejects carry the file)', () => {
  interface Outcome {
    listed: { eventFiles: number; songFiles: number; skipped: { sourceKey: string; reason: string }[] };
    result?: StageResult;
    error?: string;
    stagedRows: number;
    rejects: { line: number | null; reason: string; sourceKey: string | null }[];
  }
  const outcomes = new Map<string, Outcome>();

  beforeAll(async () => {
    const uri = redshiftUri(1000);
    const warehouse = await resources.warehouse(uri);
    for (const [i, c] of corpus.entries()) {
      const prefix = `case-${String(i).padStart(2, '0')}/`;
      await upload(prefix, [c]);
      const ref = { runId: `case-${i}`, source: `s3://${BUCKET}/${prefix}`, warehouse: uri };
      const listed = await activities.listSourceFiles({ ...ref, window: null });
      const outcome: Outcome = { listed: { ...listed, skipped: listed.skippedSamples ?? [] }, stagedRows: 0, rejects: [] };
      try {
        outcome.result = c.kind === 'events' ? await activities.stageEvents({ ...ref, maxRejectRate: 1 }) : await activities.stageSongs({ ...ref, maxRejectRate: 1 });
      } catch (err) {
        outcome.error = String((err as Error).message);
      }
      const table = c.kind === 'events' ? 'staging_events' : 'staging_songs';
      const [{ n }] = await warehouse.query(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = 'case-${i}'`);
      outcome.stagedRows = Number(n);
      const rejects = await warehouse.query(
        `SELECT source_key, source_line, reason FROM etl_rejected_records WHERE run_id = 'case-${i}' ORDER BY source_line NULLS LAST, reason`,
      );
      outcome.rejects = rejects.map((r) => ({
        line: r.source_line === null ? null : Number(r.source_line),
        reason: String(r.reason),
        sourceKey: r.source_key === null ? null : String(r.source_key),
      }));
      outcomes.set(caseKey(c), outcome);
    }
  }, 600_000);

  test('nothing crashes: every listed file stages, with a result', () => {
    const failed = [...outcomes].filter(([, o]) => o.error !== undefined).map(([k, o]) => `${k}: ${o.error}`);
    expect(failed).toEqual([]);
  });

  test('every record read is staged or rejected with a reason, on the case\'s file', () => {
    for (const c of corpus) {
      const o = outcomes.get(caseKey(c))!;
      if (!o.result) continue;
      const got = { case: caseKey(c), read: o.result.recordsRead, staged: o.result.recordsStaged, rejected: o.result.recordsRejected };
      expect(got).toEqual({ ...got, read: got.staged + got.rejected });
      expect({ case: caseKey(c), rows: o.stagedRows, rejects: o.rejects.length }).toEqual({ case: caseKey(c), rows: got.staged, rejects: got.rejected });
      for (const r of o.rejects) {
        expect({ case: caseKey(c), ...r }).toEqual({ case: caseKey(c), line: r.line, reason: expect.stringMatching(/\S/), sourceKey: c.key });
        // Reasons quote at most a capped part of a value.
        expect(r.reason.length).toBeLessThan(400);
      }
    }
  });

  test.each(Object.entries(ON_REDSHIFT).filter((e): e is [string, Expected] => 'why' in e[1]))('%s', (key, expected) => {
    const o = outcomes.get(key)!;
    const got = { staged: o.result?.recordsStaged, rejects: o.rejects.map((r) => [r.line, r.reason]) };
    expect(got).toEqual({ staged: expected.staged, rejects: expected.rejects.map(([line, reason]) => [line, expect.stringMatching(reason)]) });
  });

  test('an empty file is skipped with a reason by the listing, as on the other engines', () => {
    for (const key of Object.keys(NOT_ON_REDSHIFT)) {
      const c = corpus.find((x) => caseKey(x) === key)!;
      const o = outcomes.get(key)!;
      expect({ eventFiles: o.listed.eventFiles, songFiles: o.listed.songFiles, skipped: o.listed.skipped }).toEqual({
        eventFiles: 0,
        songFiles: 0,
        skipped: [expect.objectContaining({ sourceKey: c.key, reason: 'empty file (0 bytes)' })],
      });
    }
  });
});

describe('the whole corpus in one run (one COPY per kind)', () => {
  const prefix = 'all/';
  const events = corpus.filter((c) => c.kind === 'events');
  beforeAll(() => upload(prefix, corpus), 120_000);

  test('the reject-rate threshold fails staging without retry and keeps every reject; under it the same input stages', async () => {
    const uri = redshiftUri(1000);
    const ref = { runId: 'all-threshold', source: `s3://${BUCKET}/${prefix}`, warehouse: uri };
    await activities.listSourceFiles({ ...ref, window: null });
    const err = await activities.stageEvents({ ...ref, maxRejectRate: 0.2 }).catch((e: unknown) => e);
    const bad = events.reduce((n, c) => {
      const expected = ON_REDSHIFT[caseKey(c)];
      return n + (expected && 'why' in expected ? expected.rejects.length : 0);
    }, 0);
    expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true, message: expect.stringMatching(/^\d+ of \d+ events records rejected/) });
    const rejected = Number(/^(\d+) of/.exec((err as Error).message)![1]);
    // The documented cases' rejects, plus those of the undocumented ones (the emulator's choice there).
    expect(rejected).toBeGreaterThanOrEqual(bad);
    const warehouse = await resources.warehouse(uri);
    expect(await warehouse.query("SELECT COUNT(*) AS n FROM etl_rejected_records WHERE run_id = 'all-threshold' AND kind = 'events'")).toEqual([{ n: rejected }]);
    await expect(activities.stageEvents({ ...ref, maxRejectRate: 0.9 })).resolves.toMatchObject({ recordsRejected: rejected });
    expect(await warehouse.query("SELECT COUNT(*) AS n FROM etl_rejected_records WHERE run_id = 'all-threshold' AND kind = 'events'")).toEqual([{ n: rejected }]);
  }, 120_000);

  test('every record counted once: the one-COPY totals equal the sum of the per-case runs', async () => {
    const uri = redshiftUri(1000);
    const ref = { runId: 'all-totals', source: `s3://${BUCKET}/${prefix}`, warehouse: uri };
    await activities.listSourceFiles({ ...ref, window: null });
    const [eventsResult, songsResult] = [await activities.stageEvents({ ...ref, maxRejectRate: 1 }), await activities.stageSongs({ ...ref, maxRejectRate: 1 })];
    for (const [kind, result] of [['events', eventsResult], ['songs', songsResult]] as const) {
      const cases = corpus.filter((c) => c.kind === kind && caseKey(c) in ON_REDSHIFT);
      const documented = cases.filter((c) => 'why' in ON_REDSHIFT[caseKey(c)]);
      expect(result.recordsRead).toBe(result.recordsStaged + result.recordsRejected);
      const staged = documented.reduce((n, c) => n + (ON_REDSHIFT[caseKey(c)] as Expected).staged, 0);
      expect(result.recordsStaged).toBeGreaterThanOrEqual(staged);
      expect(result.files).toBe(cases.length);
    }
  }, 120_000);

  test('with MAXERROR 0 (the default) a corpus with load errors fails its COPY as a whole, naming file, line and reason, not retried', async () => {
    const uri = redshiftUri(0);
    const ref = { runId: 'all-maxerror', source: `s3://${BUCKET}/${prefix}`, warehouse: uri };
    await activities.listSourceFiles({ ...ref, window: null });
    const err = await activities.stageSongs({ ...ref, maxRejectRate: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ nonRetryable: true, message: expect.stringMatching(/^COPY of songs for run all-maxerror failed with \d+ load error\(s\) \(MAXERROR 0\): .*song_data\/Q\/R\/S\/TRCORPUS\d+\.json/) });
    const warehouse = await resources.warehouse(uri);
    expect(await warehouse.query("SELECT COUNT(*) AS n FROM staging_songs WHERE run_id = 'all-maxerror'")).toEqual([{ n: 0 }]);
  }, 120_000);
});
