import fs from 'node:fs';
import path from 'node:path';
import { addDays, dateProblem } from '../etl/dates';
import { EVENT_TIME_RANGE } from '../etl/records';
import { isSqlName, type SqlName, type SqlNameArg } from './sqlNames';
import { STAGING_FRAGMENTS } from './stagingFragments';
import type { Dialect } from './types';

export type { SqlName, SqlNameArg } from './sqlNames';

/** The `sql/` folder at the package root (the same relative place from `src/` and `dist/`). */
export const SQL_DIR = path.resolve(__dirname, '../../sql');

const cache = new Map<string, string>();

/** Reads `sql/<name>.sql`; a missing file is an error naming it. */
export function readSqlFile<T extends string>(name: SqlNameArg<T>): string {
  let text = cache.get(name);
  if (text === undefined) {
    const file = path.join(SQL_DIR, `${name}.sql`);
    if (!fs.existsSync(file)) throw new Error(`sql/${name}.sql does not exist (looked in ${SQL_DIR})`);
    text = fs.readFileSync(file, 'utf8');
    cache.set(name, text);
  }
  return text;
}

/**
 * A name built at run time (`staging/${kind}`, an insight's name), checked against the files:
 * one that names no file is an error here, never a statement silently left out.
 */
export function sqlName(name: string): SqlName {
  if (!isSqlName(name)) throw new Error(`sql/${name}.sql is not a SQL file of this project (src/warehouse/sqlNames.ts lists them)`);
  return name;
}

export type SqlParam = string | number | boolean | null | readonly (string | number)[];

/**
 * A SQL literal for `dialect`. PostgreSQL (standard_conforming_strings) and DuckDB read a
 * backslash in '…' as itself, so only `'` is doubled. Redshift reads a backslash in a plain
 * literal as an escape (see QUOTE_LITERAL in AWS's docs, which doubles both), so there both `'`
 * and `\` are doubled. Without a dialect the result must mean the same on every engine: a string
 * holding a backslash becomes `('…' || CHR(92) || '…')`, an expression with no backslash in it.
 */
export function sqlLiteral(value: SqlParam, dialect?: Dialect): string {
  if (value === null) return 'NULL';
  if (Array.isArray(value)) {
    if (value.length === 0) throw new Error('an empty list cannot be a SQL literal (IN () is invalid)');
    return value.map((v) => sqlLiteral(v, dialect)).join(', ');
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${value} cannot be a SQL literal`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  const text = String(value);
  const quoted = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  if (dialect === 'redshift') return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  if (dialect !== undefined || !text.includes('\\')) return quoted(text);
  return `(${text.split('\\').map(quoted).join(' || CHR(92) || ')})`;
}

/**
 * A fragment gets the text between its parentheses as written (it may hold parentheses too), and
 * the template's parameters.
 */
type Fragment = (args: string, params: Record<string, SqlParam>) => string;

/**
 * Whether x is one of the run's days (parameter days, 'YYYY-MM-DD' texts), and its first and last
 * day, as a list of them: on the engines without a limit on a statement's size.
 */
const LISTED_DAYS: Record<string, Fragment> = {
  day_in: (x) => `${x} IN ({{days}})`,
  day_not_in: (x) => `${x} NOT IN ({{days}})`,
  days_first: () => 'LEAST({{days}})',
  days_last: () => 'GREATEST({{days}})',
};

/**
 * The few places where the engines differ. Everything else in `sql/` is shared text.
 * `{{name}}` or `{{name(arg, …)}}` in a SQL file calls these.
 */
const FRAGMENTS: Record<Dialect, Record<string, Fragment>> = {
  duckdb: {
    text: () => 'VARCHAR',
    epoch_ms_to_timestamp: (ms) => `epoch_ms(${ms})`,
    // DuckDB checks unique keys eagerly, so the delete-then-insert publish inside one
    // transaction trips its own constraint; uniqueness is the load SQL's job and a quality check.
    primary_key: () => '',
    table_attributes: () => '',
    // No index to keep in order here: sorting the rows first would be work for nothing.
    primary_key_order: () => '',
    // A publish's large intermediate (every play of the run). A TEMP table is kept uncompressed
    // in the buffer pool and spilled as it is (1.6 GB at 8M events, most of loadSongplays' time
    // under the bounded pool); a table of the database is compressed as it is written. Created
    // and dropped inside the publish's transaction, no other connection ever sees it.
    publish_table: () => 'TABLE',
    // A publish's small intermediate that every play is joined to: kept in memory as before.
    publish_lookup_table: () => 'TEMP TABLE',
    postgres_setting: (setting) => `-- PostgreSQL only: SET LOCAL ${setting}`,
    // An index of a bookkeeping table, so that a run finds its own rows without reading every earlier
    // run's. DuckDB scans the columns instead (an ART index would slow every insert and stay in memory).
    postgres_index: (definition) => `-- PostgreSQL only: CREATE INDEX IF NOT EXISTS ${definition}`,
    postgres_partition_by: () => '',
    postgres_analyze_columns: () => '',
    // Written before the DROP of a publish's intermediate: nothing here, and on PostgreSQL.
    session_drops: () => '',
    // Text as a tie-break compares it: DuckDB compares bytes unless told otherwise.
    byte_order: (x) => x,
    // The event log a staged row came from: every row names its file here.
    staged_log_key: (a) => splitArgs(a)[0],
    ...LISTED_DAYS,
  },
  postgres: {
    text: () => 'TEXT',
    epoch_ms_to_timestamp: (ms) => `(TIMESTAMP 'epoch' + (${ms}) * INTERVAL '1 millisecond')`,
    primary_key: (cols) => `, PRIMARY KEY (${cols})`,
    table_attributes: () => '',
    // Rows inserted in key order fill the primary-key B-tree at its right edge instead of at a
    // random leaf per row, which misses shared_buffers once the index outgrows it. Not sorted where
    // the key is built after the rows (parameter key_built_after: engineTraits.ts
    // songplaysKeyAfterFirstLoad): the CASE folds to a constant, and PostgreSQL plans no sort.
    primary_key_order: (cols) => `ORDER BY CASE WHEN {{key_built_after}} THEN NULL ELSE ${cols} END`,
    // A publish's intermediates (every play of the run, and the small tables every play is joined
    // to): a TEMP table lives in one backend's local buffers, which parallel workers cannot read,
    // so any statement touching one ran in a single process. UNLOGGED: no WAL, in shared buffers,
    // readable by workers. Created and dropped inside the publish's transaction (never seen by
    // another session), after its table locks, so two publishes never create the same name at once.
    publish_table: () => 'UNLOGGED TABLE',
    publish_lookup_table: () => 'UNLOGGED TABLE',
    // A planner setting for the statements that follow, inside the transaction: a statement of its
    // own here, a comment (dropped) on the other engines.
    postgres_setting: (setting) => `SET LOCAL ${setting}`,
    // Kept up to date by PostgreSQL itself, so a release that does not know it still keeps it right.
    // Created only when missing, checked first: CREATE INDEX IF NOT EXISTS takes its table's SHARE
    // lock before it looks, so every run's createSchema would wait for any publish writing it.
    postgres_index: (definition) => {
      const name = definition.split(/\s+/)[0];
      return `DO $$ BEGIN IF to_regclass('${name}') IS NULL THEN CREATE INDEX ${definition}; END IF; END $$`;
    },
    // A table partitioned by a key (staging_events by run: sql/schema/staging_events.sql).
    postgres_partition_by: (key) => `PARTITION BY ${key}`,
    // The columns an ANALYZE gathers statistics of, where the others are never joined or filtered
    // on (written after the table's name). All of them on the other engines.
    postgres_analyze_columns: (cols) => ` (${cols})`,
    session_drops: () => '',
    // Text as a tie-break compares it: by bytes, as on the other engines, not by the database's
    // collation (en_US.UTF-8 puts "abba" before "ABBA", so DuckDB and PostgreSQL kept different
    // variants of one artist, song or user).
    byte_order: (x) => `${x} COLLATE "C"`,
    // A plain column, not an expression: PostgreSQL estimates a GROUP BY on an expression at a
    // group per row, and then hashed the users publish's 1.6M events in one process, spilling.
    staged_log_key: (a) => splitArgs(a)[0],
    ...LISTED_DAYS,
  },
  redshift: {
    // Redshift's VARCHAR counts bytes and defaults to 256; user agents and raw records are longer.
    text: () => 'VARCHAR(65535)',
    epoch_ms_to_timestamp: (ms) => `(TIMESTAMP 'epoch' + (${ms}) * INTERVAL '1 millisecond')`,
    // Informational only on Redshift (not enforced), but the planner uses it.
    primary_key: (cols) => `, PRIMARY KEY (${cols})`,
    table_attributes: (attrs) => attrs,
    // The key is informational only: no index to keep in order.
    primary_key_order: () => '',
    publish_table: () => 'TEMP TABLE',
    publish_lookup_table: () => 'TEMP TABLE',
    postgres_setting: (setting) => `-- PostgreSQL only: SET LOCAL ${setting}`,
    // No indexes on Redshift: its sort keys and zone maps bound a scan.
    postgres_index: (definition) => `-- PostgreSQL only: CREATE INDEX IF NOT EXISTS ${definition}`,
    postgres_partition_by: () => '',
    postgres_analyze_columns: () => '',
    // The Data API runs each batch in a session of its own, which drops its TEMP tables as it ends:
    // the DROP would only take one of the batch's 40 statements (MAX_BATCH_SQLS), which the songplays
    // publish and the ledger's share. It becomes a comment, which is not sent.
    session_drops: () => "-- dropped with the batch's session: ",
    // Redshift's default collation (case sensitive) compares text as the other engines do here.
    byte_order: (x) => x,
    // A COPY of several files names none per row (docs/redshift.md): such a row's log is told by
    // the day of its ts instead, as 'YYYY-MM-DD' (which event_log_date reads as itself).
    staged_log_key: (a) => {
      const [sourceKey, ts] = splitArgs(a);
      return `COALESCE(${sourceKey}, CAST(CAST((TIMESTAMP 'epoch' + (${ts}) * INTERVAL '1 millisecond') AS DATE) AS VARCHAR(10)))`;
    },
    // The run's days as ranges where they follow each other (redshiftDayIn), and its first and last
    // day as literals: the Data API refuses a statement over 100 KB. Days of any other form (or
    // none) are listed, as on the other engines.
    day_in: (x, params) => (realDays(params.days) ? redshiftDayIn(x, params.days) : LISTED_DAYS.day_in(x, params)),
    day_not_in: (x, params) => (realDays(params.days) ? `NOT (${redshiftDayIn(x, params.days)})` : LISTED_DAYS.day_not_in(x, params)),
    days_first: (x, params) => (realDays(params.days) ? sqlLiteral([...params.days].sort()[0], 'redshift') : LISTED_DAYS.days_first(x, params)),
    days_last: (x, params) => (realDays(params.days) ? sqlLiteral([...params.days].sort().pop()!, 'redshift') : LISTED_DAYS.days_last(x, params)),
  },
};

/** Consecutive days this many or more are one range in a day predicate on Redshift (redshiftDayIn). */
const DAY_RANGE_MIN = 3;

/** Days given as 'YYYY-MM-DD' texts of real calendar dates (the dates this pipeline accepts), at least one. */
function realDays(days: SqlParam | undefined): days is string[] {
  return Array.isArray(days) && days.length > 0 && days.every((d) => dateProblem(d) === null);
}

/**
 * Whether x is one of the run's days, on Redshift: each run of DAY_RANGE_MIN or more consecutive
 * days as one BETWEEN, the other days as a list. The Data API refuses a statement over 100 KB, and
 * the time and songplays publishes name the days up to four times in one: listed one by one, a run
 * over about 1,760 days of logs (five years of daily logs) did not fit. Real dates as 'YYYY-MM-DD'
 * sort as the dates do, so a range holds the same days whether x is a DATE or such a text (every
 * listed event log's name has a real date: src/source/layout.ts).
 */
function redshiftDayIn(x: string, days: readonly string[]): string {
  const runs: string[][] = [];
  for (const day of [...new Set(days)].sort()) {
    const run = runs[runs.length - 1];
    if (run && addDays(run[run.length - 1], 1) === day) run.push(day);
    else runs.push([day]);
  }
  const listed = runs.filter((run) => run.length < DAY_RANGE_MIN).flat();
  const parts = [
    ...runs.filter((run) => run.length >= DAY_RANGE_MIN).map((run) => `${x} BETWEEN ${sqlLiteral(run[0], 'redshift')} AND ${sqlLiteral(run[run.length - 1], 'redshift')}`),
    ...(listed.length > 0 ? [`${x} IN (${sqlLiteral(listed, 'redshift')})`] : []),
  ];
  return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
}

/** A fragment's comma-separated arguments (none of them holding a comma). */
function splitArgs(args: string): string[] {
  return args.split(',').map((part) => part.trim());
}

/** The most characters of one free-text value in a report (the report_text fragment). */
export const REPORT_TEXT_CHARS = 1000;

/** The characters of an event log's name from its date on: 'YYYY-MM-DD-events.json'. */
const EVENT_LOG_NAME_TAIL = 'YYYY-MM-DD-events.json'.length;
const DAY_MS = 86_400_000;

/** The date an event log's key names, as 'YYYY-MM-DD' text (event_log_date, below). */
function eventLogDateOf(key: string): string {
  return `LEFT(RIGHT(${key}, ${EVENT_LOG_NAME_TAIL}), 10)`;
}

/** Which of row x's raw song, artist and length are NULL, as one number (triple_nulls, below). */
function tripleNulls(x: string): string {
  return `CASE WHEN ${x}.song IS NULL THEN 1 ELSE 0 END + CASE WHEN ${x}.artist IS NULL THEN 2 ELSE 0 END + CASE WHEN ${x}.length IS NULL THEN 4 ELSE 0 END`;
}

/** Fragments that are the same text on every engine, kept here so each is written once. */
const SHARED_FRAGMENTS: Record<string, Fragment> = {
  // The date an event log's key names, as 'YYYY-MM-DD' text: every listed event log is named
  // log_data/YYYY/MM/YYYY-MM-DD-events.json (EVENT_LOG_LAYOUT, src/source/index.ts).
  event_log_date: (key) => eventLogDateOf(key),
  // The first epoch millisecond of the day an event log's key names.
  event_log_day_start: (key) => `CAST(CAST(${eventLogDateOf(key)} AS DATE) - DATE '1970-01-01' AS BIGINT) * ${DAY_MS}`,
  // Whether an event time (epoch ms) falls outside the day its log names, given that day's start
  // (event_log_day_start): the event is then a cross-day play of that log.
  outside_log_day: (a) => {
    const [ts, dayStart] = a.split(',').map((part) => part.trim());
    return `(${ts} < ${dayStart} OR ${ts} >= ${dayStart} + ${DAY_MS})`;
  },
  // Free text as a report shows it: at most REPORT_TEXT_CHARS characters, a longer value cut with
  // '…'. A name or title may be as long as a column holds (Redshift: 65535 bytes), and a row of a
  // Data API result at most 64 KB; the star tables keep the whole value.
  report_text: (x) => `(CASE WHEN LENGTH(${x}) > ${REPORT_TEXT_CHARS} THEN LEFT(${x}, ${REPORT_TEXT_CHARS - 1}) || '…' ELSE ${x} END)`,
  // A typed event time (BIGINT epoch milliseconds) that staging takes (EVENT_TIME_RANGE, src/etl/records.ts).
  event_time_within: (x) => `(${x} BETWEEN ${EVENT_TIME_RANGE.min} AND ${EVENT_TIME_RANGE.max})`,
  // The start of the reason a record whose time is outside EVENT_TIME_RANGE is rejected with, as a literal.
  event_time_problem: (key) => sqlLiteral(`field "${key}" ${EVENT_TIME_RANGE.problem}, got `),
  // A play's length as whole milliseconds, as text, for the md5 that orders an event's copies (so no
  // engine's float formatting enters; NULL is ''). Staging takes any finite length, and past 9e15 s
  // the milliseconds overflow a BIGINT, which failed the publish: such a length is its sign only.
  length_ms_text: (x) =>
    `CASE WHEN ${x} IS NULL THEN '' WHEN ABS(${x}) < 9000000000000000 THEN CAST(CAST(ROUND(${x} * 1000) AS BIGINT) AS VARCHAR) WHEN ${x} > 0 THEN 'huge' ELSE '-huge' END`,
  // Which of a play's raw title, artist and length are NULL, as one number (1 + 2 + 4): with those
  // parts made '' or 0 it keys a play's triple (sql/transform/songplays.sql), so a play with a NULL
  // part still finds its triple by one hash join.
  triple_nulls: (x) => tripleNulls(x),
  // A play (staging_events row e) matched to its triple m, by the key triple_nulls is part of.
  play_triple_match: (a) => {
    const [m, e] = splitArgs(a);
    return `${m}.song_k = COALESCE(${e}.song, '') AND ${m}.artist_k = COALESCE(${e}.artist, '') AND ${m}.length_k = COALESCE(${e}.length, 0)\n AND ${m}.nulls = ${tripleNulls(e)}`;
  },
  // A play (staging_events row e) matched to its event's row c among the events staged more than
  // once, by the columns songplay_id is made of (the user as its whole number).
  play_copy_match: (a) => {
    const [c, e] = splitArgs(a);
    return `${c}.user_id = CAST(TRIM(${e}.userid) AS INTEGER) AND ${c}.sessionid = ${e}.sessionid AND ${c}.iteminsession = ${e}.iteminsession AND ${c}.ts = ${e}.ts`;
  },
  // A start time on one of the run's days (parameter days, 'YYYY-MM-DD' texts), and within the range
  // from the first of them to the end of the last (days_first and days_last: the texts sort as the
  // dates do): no index serves the day predicate, but PostgreSQL reads the range by an index on
  // the start time, and Redshift and DuckDB skip blocks by it.
  in_days: (col) =>
    `{{day_in(CAST(${col} AS DATE))}}\n  AND ${col} >= CAST({{days_first}} AS TIMESTAMP) AND ${col} < CAST({{days_last}} AS TIMESTAMP) + INTERVAL '1 day'`,
  // An event log's key naming one of the run's days.
  log_day_in: (key) => `{{day_in(${eventLogDateOf(key)})}}`,
  // The name of a run's partition of staging_events on PostgreSQL, from its run id: the same as
  // stagingEventsPartition (src/warehouse/stagingPartitions.ts) gives.
  staging_partition_name: (runId) => `('staging_events_' || md5(${runId}))`,
  // An event's identity: the same event always hashes to the same songplay_id. The user is the
  // whole number users has (' 7', '7' and '007' are user 7), written without leading zeros.
  songplay_id: (e) =>
    `md5(CAST(CAST(TRIM(${e}.userid) AS INTEGER) AS VARCHAR) || '|' || CAST(${e}.sessionid AS VARCHAR) || '|' || CAST(${e}.iteminsession AS VARCHAR) || '|' || CAST(${e}.ts AS VARCHAR))`,
};

/** A plain lowercase name: quoted, it means the same as unquoted on every engine. */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * A parameter used as a table or column name, double-quoted. Only plain lowercase names are
 * taken: anything else (a quote, a space, a capital that quoting would make case-sensitive) is an
 * error naming the parameter, so a name can never change what the statement does.
 */
export function sqlIdentifier(value: SqlParam | undefined, param: string): string {
  if (typeof value !== 'string' || !PLAIN_IDENTIFIER.test(value)) {
    throw new Error(`{{ident:${param}}} needs a plain lowercase table or column name, got ${JSON.stringify(value)}`);
  }
  return `"${value}"`;
}

const PLACEHOLDER = /\{\{\s*(ident:)?([a-z_]+)\s*(?:\((.*?)\))?\s*\}\}/g;

/**
 * Renders a SQL template for a dialect: `{{fragment(args)}}` from FRAGMENTS, `{{param}}` from params
 * as literals, `{{ident:param}}` from params as a quoted identifier (sqlIdentifier). Unknown names
 * are errors, so a typo never reaches the warehouse.
 */
export function renderSql(template: string, dialect: Dialect, params: Record<string, SqlParam> = {}): string {
  return template.replace(PLACEHOLDER, (_whole, ident: string | undefined, name: string, args: string | undefined) => {
    const given = Object.prototype.hasOwnProperty.call(params, name);
    if (ident) {
      if (args !== undefined || !given) throw new Error(`SQL template uses {{ident:${name}}}, but no parameter ${name} is given`);
      return sqlIdentifier(params[name], name);
    }
    const fragment = FRAGMENTS[dialect][name] ?? STAGING_FRAGMENTS[dialect][name] ?? SHARED_FRAGMENTS[name];
    // A fragment may use the template's parameters itself ({{in_days(…)}}: the days given).
    if (fragment) return renderSql(fragment((args ?? '').trim(), params), dialect, params);
    if (args === undefined && given) return sqlLiteral(params[name], dialect);
    throw new Error(`SQL template uses {{${name}}}, which is neither a ${dialect} fragment nor a given parameter`);
  });
}

/** Splits a SQL file into statements at semicolons that end a line; drops comment-only pieces. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));
}

/** Reads, renders and splits `sql/<name>.sql`. */
export function sqlStatements<T extends string>(name: SqlNameArg<T>, dialect: Dialect, params: Record<string, SqlParam> = {}): string[] {
  return splitStatements(renderSql(readSqlFile(name), dialect, params));
}

/** The single statement of `sql/<name>.sql`. */
export function sqlStatement<T extends string>(name: SqlNameArg<T>, dialect: Dialect, params: Record<string, SqlParam> = {}): string {
  const statements = sqlStatements(name, dialect, params);
  if (statements.length !== 1) throw new Error(`sql/${name}.sql should hold one statement, holds ${statements.length}`);
  return statements[0];
}
