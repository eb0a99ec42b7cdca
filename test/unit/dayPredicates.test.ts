/**
 * The run's days in the publishes (parameter days): listed on DuckDB and PostgreSQL, and on Redshift
 * as ranges of consecutive days plus a list of the rest (src/warehouse/sql.ts, redshiftDayIn), so
 * that a run over years of daily logs still fits the Data API's 100 KB a statement. The ranges must
 * pick exactly the listed days: checked here by running both forms in DuckDB over a calendar, with
 * the day as a DATE and as 'YYYY-MM-DD' text (both occur in the publishes).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { renderSql, sqlStatements, type SqlName, type SqlParam } from '../../src/warehouse/sql';

/** The Data API's limit on one SQL text (and the emulator's: test/support/redshift-emulator). */
const DATA_API_MAX_QUERY_BYTES = 100 * 1024;

const dayAfter = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const daysFrom = (first: string, count: number) => Array.from({ length: count }, (_, i) => dayAfter(first, i));

const DAY_SETS: Record<string, string[]> = {
  'one day (a leap day)': ['2016-02-29'],
  'two days in a row (listed, not a range)': ['2016-02-28', '2016-02-29'],
  'three days in a row over a leap day': ['2016-02-28', '2016-02-29', '2016-03-01'],
  'over a year end, unsorted, with a day given twice and lone days': ['2017-01-02', '2016-12-30', '2016-12-31', '2017-01-01', '2016-06-01', '2016-06-01', '2016-06-03'],
  'a quarter without one day': daysFrom('2016-01-01', 91).filter((d) => d !== '2016-02-15'),
  'runs of every length up to four': ['2016-05-01', '2016-05-03', '2016-05-04', '2016-05-06', '2016-05-07', '2016-05-08', '2016-05-10', '2016-05-11', '2016-05-12', '2016-05-13'],
};

let duckdb: DuckDBConnection;
beforeAll(async () => {
  duckdb = await (await DuckDBInstance.create(':memory:')).connect();
  // Every day of 2015-12-01 to 2017-01-31, and a NULL day.
  await duckdb.run(`CREATE TABLE calendar AS
    SELECT CAST(d AS DATE) AS day, strftime(d, '%Y-%m-%d') AS day_text FROM range(DATE '2015-12-01', DATE '2017-02-01', INTERVAL 1 DAY) AS t(d)
    UNION ALL SELECT NULL, NULL`);
});
afterAll(() => duckdb?.closeSync());

/** The calendar's days (as text) for which `predicate` is true. */
async function daysWhere(predicate: string): Promise<string[]> {
  const rows = (await duckdb.runAndReadAll(`SELECT day_text FROM calendar WHERE ${predicate} ORDER BY day`)).getRowObjectsJson();
  return rows.map((r) => String(r.day_text));
}

describe.each(Object.entries(DAY_SETS))('%s', (_what, days) => {
  test.each(['day', 'day_text'])('on Redshift, the ranges pick the listed days of %s, and not-in the others', async (column) => {
    const listedIn = renderSql(`{{day_in(${column})}}`, 'duckdb', { days });
    const listedNotIn = renderSql(`{{day_not_in(${column})}}`, 'duckdb', { days });
    expect(listedIn).toBe(`${column} IN (${days.map((d) => `'${d}'`).join(', ')})`);
    const rangedIn = renderSql(`{{day_in(${column})}}`, 'redshift', { days });
    const rangedNotIn = renderSql(`{{day_not_in(${column})}}`, 'redshift', { days });
    const wanted = [...new Set(days)].sort();
    expect(await daysWhere(listedIn)).toEqual(wanted);
    expect(await daysWhere(rangedIn)).toEqual(wanted);
    expect(await daysWhere(rangedNotIn)).toEqual(await daysWhere(listedNotIn));
    // Neither form picks the NULL day.
    expect(await daysWhere(`(${rangedNotIn}) IS NULL`)).toEqual(['null']);
  });
});

test('on Redshift, three or more days in a row are one range, fewer are listed', () => {
  expect(renderSql('{{day_in(d)}}', 'redshift', { days: DAY_SETS['runs of every length up to four'] })).toBe(
    "(d BETWEEN '2016-05-06' AND '2016-05-08' OR d BETWEEN '2016-05-10' AND '2016-05-13' OR d IN ('2016-05-01', '2016-05-03', '2016-05-04'))",
  );
  expect(renderSql('{{day_in(d)}}', 'redshift', { days: daysFrom('2013-01-01', 2000) })).toBe("d BETWEEN '2013-01-01' AND '2018-06-23'");
  expect(renderSql('{{days_first}}|{{days_last}}', 'redshift', { days: ['2016-05-03', '2016-05-01', '2016-05-02'] })).toBe("'2016-05-01'|'2016-05-03'");
});

test('on Redshift, days that are not real dates, and no days, are listed as given', () => {
  expect(renderSql('{{day_in(d)}}', 'redshift', { days: ['2016-02-30', '2016-03-01', '2016-03-02'] })).toBe("d IN ('2016-02-30', '2016-03-01', '2016-03-02')");
  expect(renderSql('{{day_in(d)}}', 'redshift', { days: ['2016-13-01', '2016-03-01', '2016-03-02'] })).toBe("d IN ('2016-13-01', '2016-03-01', '2016-03-02')");
  expect(renderSql('{{day_not_in(d)}} AND d < {{days_last}}', 'redshift', { days: null })).toBe('d NOT IN (NULL) AND d < GREATEST(NULL)');
});

/** What the publishes that name the run's days are rendered with, as the activities give it. */
const PUBLISH_PARAMS = (days: string[]): Record<string, SqlParam> => ({
  run_id: 'scheduled-2018-11-30T00:00:00Z-0123456789abcdef',
  days,
  first_day: days[0],
  last_day: days[days.length - 1],
  duration_tolerance: 2,
  key_built_after: false,
  copies_counted: true,
});
const PUBLISHES: SqlName[] = ['transform/users', 'transform/time', 'transform/songplays', 'transform/unmatched_plays'];

test.each(PUBLISHES)('on Redshift, every statement of sql/%s.sql fits the Data API with twenty years of days in a row', (name) => {
  const days = daysFrom('2000-01-01', 7305);
  const sizes = sqlStatements(name, 'redshift', PUBLISH_PARAMS(days)).map((s) => Buffer.byteLength(s));
  expect(Math.max(...sizes)).toBeLessThan(DATA_API_MAX_QUERY_BYTES);
  // The same days listed one by one, as on the other engines, would not fit.
  const listed = sqlStatements(name, 'postgres', PUBLISH_PARAMS(days)).map((s) => Buffer.byteLength(s));
  expect(Math.max(...listed)).toBeGreaterThan(DATA_API_MAX_QUERY_BYTES);
});
