/**
 * Query plans stay linear: every transform, stats query, ledger statement, quality check and insight is
 * EXPLAINed on PostgreSQL at two sizes of staged data (the second 10× the first), after a first run
 * has filled the star tables. A SubPlan (a subquery re-run per outer row, or hashed only while it
 * fits work_mem) or a Nested Loop join is the quadratic shape: every row rescanning the other side.
 * Each statement runs as EXPLAIN ANALYZE, so a plan made from a bad guess shows too: index probes
 * planned for a few rows that ran once per staged play (PostgreSQL guesses 200 rows for an IN over
 * a CTE or a fresh temp table; at 1.6M events that was 1.2M random reads of songplays' index).
 */
import { Client } from 'pg';
import { refreshCheckStatistics } from '../src/activities/checkActivities';
import { publishSettings, usersDays } from '../src/activities/publishActivities';
import { qualityChecks, type CheckRule } from '../src/quality/checks';
import { checkSettings, failingCountSql, failingRowsSql } from '../src/quality/runner';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { sqlStatement, sqlStatements, type SqlParam } from '../src/warehouse/sql';
import { SQL_NAMES } from '../src/warehouse/sqlNames';
import { queryInsights } from '../src/insights/queries';
import { windowParams } from '../src/insights/window';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { attachStagingPartitionsOn } from './support/stagingPartitions';
import { eventsAnalyzeStatements, wholeStagingStatisticsOf } from '../src/staging/stagingStatistics';
import { stagingEventsPartition } from '../src/warehouse/stagingPartitions';

let pg: PgServer;

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.stop();
});

// As createSchema (src/activities/index.ts) creates them.
const SCHEMA = ['staging_events', 'staging_songs', 'songplays', 'users', 'songs', 'artists', 'time', 'etl_tables', 'etl_attempt_fence', 'etl_file_counts', 'etl_play_names', 'etl_cross_day_plays', 'etl_versions', 'etl_song_files'];

interface PlanNode {
  'Node Type': string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Index Cond'?: string;
  'Plan Rows': number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Join Filter'?: string;
  'Hash Cond'?: string;
  Strategy?: string;
  'Relation Name'?: string;
  'Parallel Aware'?: boolean;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Index probes a Nested Loop may make beyond what it was planned for before it counts as misplanned. */
const PROBES_ALLOWED = 1_000;
const MISESTIMATE_FACTOR = 10;
const DEFAULT_DISTINCT_GUESS = 200;

/**
 * The nodes whose cost multiplies the sizes of their inputs: a SubPlan (an InitPlan runs once and
 * is fine), and a Nested Loop whose inner side is not an index probe (each outer row rescans it),
 * unless its outer side is a single row (then the inner side runs once).
 */
function quadraticNodes(node: PlanNode, path: string[] = []): string[] {
  const here = [...path, node['Node Type']];
  const found: string[] = [];
  if (node['Subplan Name']?.startsWith('SubPlan')) found.push(`${here.join(' > ')} is ${node['Subplan Name']}`);
  if (node['Node Type'] === 'Nested Loop') {
    const outer = node.Plans?.find((p) => p['Parent Relationship'] === 'Outer');
    const inner = node.Plans?.find((p) => p['Parent Relationship'] === 'Inner');
    const probe = inner && /^Index( Only)? Scan$/.test(inner['Node Type']) && inner['Index Cond'] !== undefined;
    // Planned for one outer row and given one: a guess of one that met many (statistics of an
    // emptied table, say) rescans the inner side per row like any other.
    const once = outer !== undefined && outer['Plan Rows'] <= 1 && (outer['Actual Rows'] ?? 0) * (outer['Actual Loops'] ?? 1) <= 1;
    if (!probe && !once) found.push(`${here.join(' > ')} rescans ${inner?.['Node Type'] ?? 'its inner side'} per outer row`);
    // Probes are fine when the planner knew how many there would be; not when it guessed a few and got many.
    const probes = outer ? (outer['Actual Rows'] ?? 0) * (outer['Actual Loops'] ?? 1) : 0;
    const planned = outer?.['Plan Rows'] ?? 0;
    if (probe && probes > PROBES_ALLOWED && probes > MISESTIMATE_FACTOR * planned) {
      found.push(`${here.join(' > ')} probes ${inner['Node Type']} ${probes} times, planned for ${planned} outer rows`);
    }
  }
  // 200 is PostgreSQL's guess for the distinct values of a column it has no statistics of (a CTE's,
  // a fresh temp table's): fine for small inputs, the start of per-row index probes for large ones.
  const actual = (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1);
  if (node['Plan Rows'] === DEFAULT_DISTINCT_GUESS && actual > PROBES_ALLOWED && actual > MISESTIMATE_FACTOR * DEFAULT_DISTINCT_GUESS) {
    found.push(`${here.join(' > ')} was planned from PostgreSQL's default guess of ${DEFAULT_DISTINCT_GUESS} rows and produced ${actual}`);
  }
  for (const child of node.Plans ?? []) found.push(...quadraticNodes(child, here));
  return found;
}

const DAYS = ['2018-11-01', '2018-11-02', '2018-11-03'];

/**
 * Stages `events` events (about one user per 100 events, one song per 10) for a run, lists its
 * files, and fills etl_text_repairs from the run's text candidates, as the pipeline does before
 * publishing. Every 13th play is 5 s longer than its song, so it gets none and the late matches
 * (sql/transform/unmatched_plays.sql) list it. With `newTitlesEvery` n, every n-th event's title
 * carries its day, a name no other day's run gives. Plain test fixture SQL: the shapes matter here, not the values.
 */
async function stageRun(client: Client, runId: string, events: number, dayOffset: number, newTitlesEvery = 0): Promise<void> {
  const users = Math.max(10, Math.floor(events / 100));
  const songs = Math.max(10, Math.floor(events / 10));
  const day0 = Date.UTC(2018, 10, 1);
  await attachStagingPartitionsOn(client, runId);
  await client.query(
    `INSERT INTO staging_events (run_id, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname,
       length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid)
     SELECT $1, 'log_data/2018/11/' || $5 || '-events.json', i, 'Artist ' || (i % $4), 'Logged In', 'First ' || (i % $3), 'F',
       i % 40, 'Last ' || (i % $3), 100 + (i % $4) + CASE WHEN i % 13 = 0 THEN 5 ELSE 0 END, CASE WHEN i % 7 = 0 THEN 'paid' ELSE 'free' END, 'Town ' || (i % 50), 'PUT',
       CASE WHEN i % 5 = 0 THEN 'Home' ELSE 'NextSong' END, 1540000000000, i / 20,
       'Song ' || (i % $4) || CASE WHEN $7::int > 0 AND i % $7::int = 0 THEN ' (' || $5 || ')' ELSE '' END, 200,
       $6::bigint + i * 1000, '"Mozilla/5.0"', CASE WHEN i % 97 = 0 THEN '' ELSE CAST(i % $3 AS TEXT) END
     FROM generate_series(1, $2::int) AS i`,
    [runId, events, users, songs, DAYS[dayOffset], day0 + dayOffset * 86_400_000, newTitlesEvery],
  );
  // Every 50th event staged a second time (another file, another level), so that the songplays
  // publish's dedup of copies (sql/transform/songplays.sql) is planned at both sizes too.
  await client.query(
    `INSERT INTO staging_events (run_id, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname,
       length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid)
     SELECT run_id, 'log_data/2018/11/' || $2 || '-copies.json', source_line, artist, auth, firstname, gender, iteminsession, lastname,
       length, CASE WHEN level = 'paid' THEN 'free' ELSE 'paid' END, location, method, page, registration, sessionid, song, status,
       ts, useragent, userid
     FROM staging_events WHERE run_id = $1 AND source_line % 50 = 0`,
    [runId, DAYS[dayOffset]],
  );
  await client.query(
    `INSERT INTO staging_songs (run_id, source_key, source_line, num_songs, artist_id, artist_latitude, artist_longitude,
       artist_location, artist_name, song_id, title, duration, year)
     SELECT $1, 'song_data/A/' || i || '.json', 1, 1, 'AR' || (i % ($2::int / 3 + 1)), NULL, NULL, 'Town ' || (i % 50),
       'Artist ' || i, 'SO' || i, 'Song ' || i, 100 + i, 2000 + i % 10
     FROM generate_series(0, $2::int - 1) AS i`,
    [runId, songs],
  );
  await client.query(
    `INSERT INTO etl_run_files (run_id, kind, source_key, etag, size)
     SELECT $1, 'events', 'log_data/2018/11/' || $2 || '-events.json', 'e', 1
     UNION ALL SELECT $1, 'songs', 'song_data/A/' || i || '.json', 'e', 1 FROM generate_series(0, $3::int - 1) AS i`,
    [runId, DAYS[dayOffset], songs],
  );
  for (const statement of sqlStatements('transform/postgres/text_candidates', 'postgres', { run_id: runId })) await client.query(statement);
  await repairCandidates(client, runId);
  // As the pipeline does: staging ANALYZEs what it staged (the events' partition alone, or the
  // whole table when its statistics are due: src/staging/stagingStatistics.ts), appendRows the
  // run's file list and repairs.
  const [statistics] = (await client.query(sqlStatement('staging/postgres/whole_staging_statistics', 'postgres', { partition: stagingEventsPartition(runId) }))).rows;
  const [staged] = (await client.query('SELECT COUNT(*)::int AS n FROM staging_events WHERE run_id = $1', [runId])).rows;
  for (const statement of eventsAnalyzeStatements('postgres', runId, wholeStagingStatisticsOf(statistics), staged.n)) await client.query(statement);
  for (const statement of sqlStatements('staging/analyze_songs', 'postgres')) await client.query(statement);
  await client.query('ANALYZE etl_text_repairs');
  await client.query('ANALYZE etl_run_files');
}

/** What the worker does with the run's text candidates (a stand-in repair: trimmed, lower-cased). */
async function repairCandidates(client: Client, runId: string): Promise<void> {
  await client.query(`UPDATE etl_text_repairs SET repaired = TRIM(raw), match_key = LOWER(TRIM(raw)) WHERE run_id = $1`, [runId]);
}

/** The publish SQL of one run in workflow order, with its parameters. */
function publishFiles(runId: string, day: string): Array<[string, Record<string, SqlParam>]> {
  return [
    ['transform/text_repair_values', { run_id: runId, max_raw_bytes: null, after_kind: null, after_raw: null, page_rows: 20_000, page_bytes: 16 * 1024 * 1024 }],
    ['transform/songs', { run_id: runId }],
    ['transform/artists', { run_id: runId }],
    ['transform/users', { run_id: runId, ...usersDays([day]) }],
    ['transform/time', { run_id: runId, days: [day] }],
    ['transform/songplays', { run_id: runId, duration_tolerance: 2, days: [day], key_built_after: false, copies_counted: true }],
    // The late matches, in their own transaction after the publish (matchLatePlays, publishActivities.ts).
    ['transform/unmatched_plays', { run_id: runId, duration_tolerance: 2, ...usersDays([day]) }],
    ['ledger/postgres/record', { run_id: runId, loaded_at: '2018-12-01 00:00:00' }],
    ['stats/match_stats', { run_id: runId }],
    ['stats/plays_without_user', { run_id: runId }],
    ['stats/staging_run_counts', { run_id: runId }],
    ['stats/star_counts', {}],
    ['ledger/loaded_events', {}],
    // One batch of a listing asks about 1,000 song files (src/ledger/loaded.ts).
    ['ledger/loaded_songs', { keys: Array.from({ length: 1_000 }, (_, i) => `song_data/A/B/C/TR${String(i).padStart(6, '0')}.json`) }],
  ];
}

/** The schema as createSchema creates it (SCHEMA): again on a warehouse that has it, what it adds. */
async function createSchema(client: Client): Promise<void> {
  for (const name of SCHEMA) for (const statement of sqlStatements(`schema/${name}`, 'postgres')) await client.query(statement);
}

/** A fresh database with the schema a run creates (SCHEMA), connected for `body`, then closed. */
async function withSchemaDatabase(body: (client: Client) => Promise<void>): Promise<void> {
  const url = await createTestDatabase(pg.url, 'plans');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await createSchema(client);
    await body(client);
  } finally {
    await client.end();
  }
}

/** Runs each file's statements in order, as the pipeline's steps do (publishFiles' entries). */
async function runFiles(client: Client, files: Array<[string, Record<string, SqlParam>]>): Promise<void> {
  for (const [name, params] of files) for (const statement of sqlStatements(name, 'postgres', params)) await client.query(statement);
}

/**
 * A first run of `events` events on the first day, staged, published and recorded completed, then
 * the statistics autovacuum gathers between two daily runs of what it wrote.
 */
async function publishFirstRun(client: Client, events: number): Promise<void> {
  await stageRun(client, 'run-1', events, 0);
  await runFiles(client, publishFiles('run-1', DAYS[0]));
  await client.query(`INSERT INTO etl_runs (run_id, status) VALUES ('run-1', 'completed')`);
  await client.query('ANALYZE');
}

// A table made from a query (CREATE … AS), not one declared by its columns, which has no plan.
const EXPLAINABLE = /^\s*(?:--[^\n]*\n\s*)*(SELECT|WITH|INSERT|DELETE|UPDATE|CREATE (?:TEMP|UNLOGGED) TABLE \w+ AS\b)/i;

/**
 * Runs the run's publish SQL in order (so each statement sees the temp tables before it), each
 * explainable statement as EXPLAIN ANALYZE (which runs it); returns the plans that hold a
 * quadratic or misplanned node, named by file.
 */
async function quadraticPlans(client: Client, runId: string, day: string): Promise<string[]> {
  const found: string[] = [];
  const check = async (name: string, statement: string) => {
    const json = (await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>;
    const nodes = quadraticNodes(json[0].Plan);
    if (nodes.length === 0) return;
    found.push(`sql/${name}.sql: ${nodes.join('; ')}\n${statement.slice(-400)}\n--- plan ---\n${JSON.stringify(json[0].Plan, null, 1).slice(0, 4000)}`);
  };
  // The text candidates again (stageRun gathered them), planned, then repaired as the worker would.
  for (const statement of sqlStatements('transform/postgres/text_candidates', 'postgres', { run_id: runId })) {
    if (EXPLAINABLE.test(statement)) await check('transform/postgres/text_candidates', statement);
    else await client.query(statement);
  }
  await repairCandidates(client, runId);
  for (const [name, params] of publishFiles(runId, day)) {
    for (const statement of sqlStatements(name, 'postgres', params)) {
      if (EXPLAINABLE.test(statement)) await check(name, statement);
      else await client.query(statement);
    }
  }
  for (const { rule } of qualityChecks()) {
    if ('column' in rule) await check(`(quality check ${rule.kind} ${rule.table}.${rule.column})`, failingRowsSql(rule, 'postgres'));
    if (rule.kind === 'references') await check(`(quality check references count ${rule.table}.${rule.column})`, failingCountSql(rule, 'postgres'));
  }
  // The report's queries over the window (all data), after the run is recorded as writeReport reads it.
  for (const name of SQL_NAMES.filter((n) => n.startsWith('insights/'))) {
    await check(name, sqlStatement(name, 'postgres', { ...windowParams(null), limit: 10 }));
  }
  return found;
}

test.each([
  ['2,000 events', 2_000],
  ['20,000 events', 20_000],
])('no transform, stats, ledger, check or insights statement plans a SubPlan or Nested Loop (%s staged)', async (_label, events) => {
  await withSchemaDatabase(async (client) => {
    // A first run fills the star tables, so the second one's publish competes with existing rows.
    await publishFirstRun(client, events);
    await stageRun(client, 'run-2', events, 1);
    const found = await quadraticPlans(client, 'run-2', DAYS[1]);
    expect(found).toEqual([]);
    // The fixture really published: otherwise the plans above would be of empty work.
    const { rows } = await client.query('SELECT (SELECT COUNT(*) FROM songplays) AS plays, (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM etl_unmatched_plays) AS listed');
    expect(Number(rows[0].plays)).toBeGreaterThan(events);
    expect(Number(rows[0].users)).toBeGreaterThan(0);
    expect(Number(rows[0].listed)).toBeGreaterThan(0);
  });
});

// A run whose plays name titles no earlier run's did numbers them after the largest name_id. Taken
// as a join to the largest name_id, PostgreSQL planned it as a Nested Loop that read all of
// etl_play_names again for each new name (a night at 8M events: 220 new names, 183,220 known, 2.1 s).
test("a run's new names are numbered with one read of the names, not one per new name (20,000 events, a seventh of the titles new)", async () => {
  await withSchemaDatabase(async (client) => {
    await publishFirstRun(client, 20_000);
    const [before] = (await client.query('SELECT COUNT(*)::int AS names, MAX(name_id) AS last FROM etl_play_names')).rows;
    await stageRun(client, 'run-2', 20_000, 1, 7);
    expect(await quadraticPlans(client, 'run-2', DAYS[1])).toEqual([]);
    // The new names were there to number, after the largest name_id, each once.
    const [after] = (await client.query('SELECT COUNT(*)::int AS names, COUNT(DISTINCT name_id)::int AS ids, MIN(name_id) FILTER (WHERE name_id > $1) AS first FROM etl_play_names', [before.last])).rows;
    expect(after.names - before.names).toBeGreaterThan(100);
    expect([after.ids, after.first]).toEqual([after.names, before.last + 1]);
  });
});

// Statistics of an emptied list: late matches can empty etl_unmatched_plays (every listed play found
// its song), and an ANALYZE before VACUUM gives its pages back then records it as holding no rows on
// them. PostgreSQL then plans every read of the list for one row, whatever the next run inserted: a
// list of 275,600 plays at 1.6M events was rescanned per play, for minutes.
test("the late matches plan from the list the run wrote, not from an emptied list's statistics (2,000 events staged)", async () => {
  await withSchemaDatabase(async (client) => {
    await publishFirstRun(client, 2_000);
    await client.query('DELETE FROM etl_unmatched_plays');
    await client.query('ANALYZE etl_unmatched_plays');
    const { rows: stats } = await client.query(`SELECT reltuples, relpages FROM pg_class WHERE relname = 'etl_unmatched_plays'`);
    expect([Number(stats[0].reltuples), Number(stats[0].relpages) > 0]).toEqual([0, true]);
    await stageRun(client, 'run-2', 2_000, 1);
    expect(await quadraticPlans(client, 'run-2', DAYS[1])).toEqual([]);
    const { rows } = await client.query('SELECT COUNT(*) AS listed FROM etl_unmatched_plays');
    expect(Number(rows[0].listed)).toBeGreaterThan(0);
  });
});

/** Every node of a plan, depth first. */
function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/**
 * Runs `name`'s statements in order in one transaction, as a publish runs them (so that its SET
 * LOCAL settings hold), each explainable one as EXPLAIN ANALYZE (which runs it), and returns the
 * plans with the statements' first lines.
 */
async function explainedStatements(client: Client, name: string, params: Record<string, SqlParam>): Promise<Array<{ statement: string; plan: PlanNode }>> {
  const plans: Array<{ statement: string; plan: PlanNode }> = [];
  await client.query('BEGIN');
  try {
    for (const statement of sqlStatements(name, 'postgres', params)) {
      if (!EXPLAINABLE.test(statement)) {
        await client.query(statement);
        continue;
      }
      const json = (await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>;
      plans.push({ statement: statement.replace(/^\s*--.*$/gm, '').trim().split('\n')[0], plan: json[0].Plan });
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
  return plans;
}

// The time publish (sql/transform/time.sql) on PostgreSQL, at 1.6M events: its cross-day lookup
// parsed each play's log name into a day start twice per play (the logs' subquery merged into the
// join; 1.1 s of CPU, 0.5 s once per log), and its insert hashed the run's play times and then sorted
// what the hash gave (2.0-2.1 s of CPU, 1.5-1.7 s by one sort that leaves them in key order).
test("the time publish reads each log's name once, not once per play, and sorts the run's play times once (20,000 events)", async () => {
  await withSchemaDatabase(async (client) => {
    await stageRun(client, 'run-1', 20_000, 0);
    // Several plays at each time, as users' plays fall on the same second (964,143 times of 1,258,765
    // plays at 1.6M events): the distinct times are then fewer than the plays, and PostgreSQL hashed them.
    await client.query(`UPDATE staging_events SET ts = ts - ts % 3000 WHERE run_id = 'run-1'`);
    for (const statement of sqlStatements('staging/analyze_events', 'postgres')) await client.query(statement);
    await client.query('BEGIN');
    for (const statement of sqlStatements('postgres/publish_work_mem', 'postgres')) await client.query(statement);
    const plans = await explainedStatements(client, 'transform/time', { run_id: 'run-1', days: [DAYS[0]] });
    await client.query('COMMIT');
    const crossDay = plans.find((p) => /publish_cross_day_times AS/.test(p.statement));
    const insert = plans.find((p) => /^INSERT INTO time\b/.test(p.statement));
    expect(crossDay && insert).toBeDefined();
    // The log's name is parsed where etl_run_files is read (one row per log), not in the join's filter.
    const joinFilters = planNodes(crossDay!.plan).flatMap((n) => n['Join Filter'] ?? []);
    expect(joinFilters.length).toBeGreaterThan(0);
    expect(joinFilters.filter((f) => /\bright"?\(/.test(f))).toEqual([]);
    const ordering = planNodes(insert!.plan).filter((n) => n['Node Type'] === 'Sort' || (n['Node Type'] === 'Aggregate' && n.Strategy === 'Hashed'));
    expect(ordering.map((n) => `${n['Node Type']} ${n.Strategy ?? ''}`.trim())).toEqual(['Sort']);
    const { rows } = await client.query('SELECT COUNT(*) AS times FROM time');
    expect(Number(rows[0].times)).toBeGreaterThan(1_000);
  });
});

// The tables a run replaces its days' rows of, which hold every earlier day's too.
const HISTORY_TABLES = ['songplays', 'etl_songplay_names', 'etl_unmatched_plays', 'time'];
const HISTORY_DAYS = Array.from({ length: 30 }, (_, i) => `2018-10-${String(i + 1).padStart(2, '0')}`);
const HISTORY_PLAYS_PER_DAY = 2_000;
/** The run's day's rows (at most its 2,000 staged events), and the index ranges they share with the days beside them (16 pages each). */
const DAY_READS_ALLOWED = 2_000 + 2 * 16 * 120;

/** An earlier day's plays (all without a song, all listed) and their times, loaded as a nightly run loads them. */
function historyDay(day: string): string[] {
  const plays = `SELECT md5('${day}|' || i) AS songplay_id, TIMESTAMP '${day}' + i * INTERVAL '40 seconds' AS start_time, 1000 + i % 50 AS user_id
    FROM generate_series(1, ${HISTORY_PLAYS_PER_DAY}) AS i`;
  return [
    `INSERT INTO songplays (songplay_id, start_time, user_id, level, session_id) SELECT songplay_id, start_time, user_id, 'free', 1 FROM (${plays}) p ORDER BY songplay_id`,
    `INSERT INTO etl_songplay_names (songplay_id, start_time, user_id, name_id, matched) SELECT songplay_id, start_time, user_id, 1, 0 FROM (${plays}) p`,
    `INSERT INTO etl_unmatched_plays (songplay_id, start_time, song_key, artist_key, length) SELECT songplay_id, start_time, 'old song', 'old artist', 200 FROM (${plays}) p`,
    `INSERT INTO time (start_time, hour, day, week, month, year, weekday) SELECT start_time, 0, 0, 0, 0, 0, 0 FROM (${plays}) p ORDER BY start_time`,
  ];
}

/** Rows each scan of a history table read: returned, or dropped by its filter or its index's recheck. */
function historyRowsRead(node: PlanNode, reads: Record<string, number> = {}): Record<string, number> {
  const table = node['Relation Name'];
  if (table !== undefined && HISTORY_TABLES.includes(table)) {
    const rows = (node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
    reads[table] = (reads[table] ?? 0) + rows * (node['Actual Loops'] ?? 1);
  }
  for (const child of node.Plans ?? []) historyRowsRead(child, reads);
  return reads;
}

// A run replaces its days' rows of songplays, etl_songplay_names, etl_unmatched_plays and time. Their
// day predicate (CAST(start_time AS DATE) IN (…)) can use no index: on PostgreSQL each delete read
// every earlier day's rows, so its cost grew with the warehouse's history, not with the run. With a
// start-time range beside it, PostgreSQL reads the days' rows by an index on start_time (songplays'
// songplays_time, built by createSchema on a warehouse the release before built, which has none).
// The late matches (sql/transform/unmatched_plays.sql) read the run's days' rows the same way. The
// deletes by key of the plays outside the days (here the run's log's earlier cross-day plays) read
// etl_songplay_names, which has no index on songplay_id, within those plays' start times.
// The history's days in order; or wrapped around, its last six days first, as a publish whose scans
// began where another scan was wrote its plays (sql/postgres/publish_scan_from_start.sql): each day
// is still in few index ranges, but start_time no longer follows the tables' order as a whole (a
// correlation of about 0, as after an 8M-event load), which is what PostgreSQL costs a scan of a
// start-time index by.
test.each([
  ['in order', HISTORY_DAYS],
  ['wrapped around', [...HISTORY_DAYS.slice(23), ...HISTORY_DAYS.slice(0, 23)]],
])("a run's day deletes and late-match listing read its days' rows, not a month of earlier days' (2,000 events staged, the history %s)", async (_order, historyDays) => {
  await withSchemaDatabase(async (client) => {
    await client.query('DROP INDEX songplays_time');
    await createSchema(client);
    for (const day of historyDays) for (const statement of historyDay(day)) await client.query(statement);
    // The run's day was published before, so its deletes have rows to replace: with a few events of
    // its log timed after its midnight then, listed as cross-day plays that the run replaces by key.
    await stageRun(client, 'run-1', 2_000, 1);
    await client.query(`UPDATE staging_events SET ts = ts + 86400000 WHERE run_id = 'run-1' AND source_line % 500 = 1`);
    await runFiles(client, publishFiles('run-1', DAYS[1]));
    await client.query('VACUUM ANALYZE');
    const before = (await client.query(`SELECT COUNT(*) AS plays FROM songplays WHERE start_time >= '${DAYS[1]}'`)).rows[0].plays;

    await stageRun(client, 'run-2', 2_000, 1);
    const reads: Array<{ statement: string } & Record<string, number | string>> = [];
    for (const [name, params] of publishFiles('run-2', DAYS[1])) {
      if (!['transform/time', 'transform/songplays', 'transform/unmatched_plays'].includes(name)) {
        for (const statement of sqlStatements(name, 'postgres', params)) await client.query(statement);
        continue;
      }
      for (const { statement, plan } of await explainedStatements(client, name, params)) {
        reads.push({ statement: `sql/${name}.sql: ${statement}`, ...historyRowsRead(plan) });
      }
    }
    // Every delete, and every statement of the late matches but their one pass over the whole list
    // when the run staged songs (docs/operations.md), which this run did.
    const dayBound = reads.filter(
      (r) => /\.sql: DELETE FROM /.test(r.statement) || (/unmatched_plays\.sql: /.test(r.statement) && !/CREATE TEMP TABLE rematch_plays AS/.test(r.statement)),
    );
    expect(dayBound.filter((r) => /unmatched_plays\.sql: /.test(r.statement)).length).toBeGreaterThan(0);
    const readsOf = (r: (typeof reads)[number]) => HISTORY_TABLES.map((table) => Number(r[table] ?? 0));
    expect(dayBound.filter((r) => readsOf(r).some((n) => n > DAY_READS_ALLOWED))).toEqual([]);
    // Not vacuous: the deletes read the run's day, and replaced it; the earlier days are as they were.
    expect(Math.max(...dayBound.flatMap(readsOf))).toBeGreaterThanOrEqual(Number(before));
    const { rows } = await client.query(
      `SELECT COUNT(*) FILTER (WHERE start_time < '${DAYS[0]}') AS earlier, COUNT(*) FILTER (WHERE start_time >= '${DAYS[1]}') AS day FROM songplays`,
    );
    expect(Number(rows[0].earlier)).toBe(HISTORY_DAYS.length * HISTORY_PLAYS_PER_DAY);
    expect(Number(rows[0].day)).toBe(Number(before));
    expect(Number(before)).toBeGreaterThan(1_000);
  });
});

/** The time publish of a day's run of `events` over a month of history: the insert's plan, and how many times the day has. */
async function timePublishedOverHistory(client: Client, events: number): Promise<{ insert: PlanNode; day: number }> {
  for (const day of HISTORY_DAYS) for (const statement of historyDay(day)) await client.query(statement);
  await client.query('VACUUM ANALYZE');
  await stageRun(client, 'run-1', events, 1);
  await client.query('BEGIN');
  for (const statement of sqlStatements('postgres/publish_work_mem', 'postgres')) await client.query(statement);
  const plans = await explainedStatements(client, 'transform/time', { run_id: 'run-1', days: [DAYS[1]] });
  await client.query('COMMIT');
  const insert = plans.find((p) => /^INSERT INTO time\b/.test(p.statement));
  expect(insert).toBeDefined();
  const { rows } = await client.query(`SELECT COUNT(*) FILTER (WHERE start_time < '${DAYS[0]}') AS earlier, COUNT(*) FILTER (WHERE start_time >= '${DAYS[1]}') AS day FROM time`);
  // Not vacuous: time holds the history, and the day's times were inserted.
  expect(Number(rows[0].earlier)).toBe(HISTORY_DAYS.length * HISTORY_PLAYS_PER_DAY);
  expect(Number(rows[0].day)).toBeGreaterThan(events / 2);
  return { insert: insert!.plan, day: Number(rows[0].day) };
}

// The time publish's anti-join to time (sql/transform/time.sql) on a nightly run: PostgreSQL hashed
// every earlier day's times to find which of the day's were there, so its cost grew with the history
// (1.7 s of CPU with five months of history at 1.6M events a month, where probing time's key for the
// day's 31,714 times took 0.1 s). It merges with time's key or probes it now, as the planner costs
// them. Here the day has a quarter as many times as the history: at this size the planner hashed the
// history as it did at 1/150 there.
test("a day's time publish does not hash every earlier day's times to find the day's (20,000 events, a month of history)", async () => {
  await withSchemaDatabase(async (client) => {
    const { insert } = await timePublishedOverHistory(client, 20_000);
    const hashedTime = planNodes(insert).filter((n) => n['Node Type'] === 'Hash' && planNodes(n).some((c) => c['Relation Name'] === 'time'));
    expect(hashedTime.map((n) => `Hash of ${planNodes(n).find((c) => c['Relation Name'] === 'time')!['Actual Rows']} rows of time`)).toEqual([]);
  });
});

// Where the day is small beside the history (here 1/38 of it, at 1.6M events a month 1/150), the
// anti-join probes time's key for the day's times: neither a hash nor a merge read the history.
test("a small day's time publish reads time's key for the day's times only (2,000 events, a month of history)", async () => {
  await withSchemaDatabase(async (client) => {
    const { insert, day } = await timePublishedOverHistory(client, 2_000);
    expect(rowsReadOf(insert, ['time'])).toBeLessThanOrEqual(day);
  });
});

/** Rows the scans of `tables` read (returned, or dropped by a filter), over all loops. */
function rowsReadOf(node: PlanNode, tables: readonly string[]): number {
  const own = node['Relation Name'] !== undefined && tables.includes(node['Relation Name']) ? ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1) : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsReadOf(child, tables), 0);
}

// The late matches (sql/transform/unmatched_plays.sql) at 1.6M events on PostgreSQL: the run's
// plays without a song were listed there, by a join of etl_songplay_names to the run's staging (a
// pass over every staged play, then an md5 per listed play to find its event); at 8M events that
// listing took 9.8 s of a profiled run, after the publish, on the run's critical path. The songplays publish lists
// them now (each play carries its triple's number when it has no song), and the late matches read
// no staging. The re-match compared the plays the run listed with the songs of the run's keys twice,
// once from the list and once from rematch_run_plays against every song (0.50-0.73 CPU-s; 0.17-0.37
// with each song once: rematch_plays joins rematch_run_plays to rematch_other_songs, the songs of
// other keys that its plays name by title, none here as when a run stages every song).
test("the late matches read no staging, and the run's listed plays once (20,000 events)", async () => {
  await withSchemaDatabase(async (client) => {
    // Every play names a song the run stages (every 13th 5 s too long for it: listed, matched by none).
    await stageRun(client, 'run-1', 20_000, 0);
    const files = publishFiles('run-1', DAYS[0]);
    for (const [name, params] of files.slice(0, files.findIndex(([file]) => file === 'transform/unmatched_plays'))) {
      for (const statement of sqlStatements(name, 'postgres', params)) await client.query(statement);
    }
    // The publish listed the run's plays without a song.
    const listed = Number((await client.query('SELECT COUNT(*) AS listed FROM etl_unmatched_plays')).rows[0].listed);
    expect(listed).toBeGreaterThan(1_000);
    await client.query('BEGIN');
    for (const statement of publishSettings('postgres', 'transform/unmatched_plays')) await client.query(statement);
    const plans = await explainedStatements(client, 'transform/unmatched_plays', { run_id: 'run-1', duration_tolerance: 2, ...usersDays([DAYS[0]]) });
    await client.query('COMMIT');
    const rematch = plans.find((p) => /rematch_plays AS/.test(p.statement));
    expect(rematch).toBeDefined();
    expect(plans.filter((p) => rowsReadOf(p.plan, ['staging_events']) > 0).map((p) => p.statement)).toEqual([]);
    // The list (the run's listed plays, of the run's keys) once; rematch_run_plays at most its first row.
    expect(rowsReadOf(rematch!.plan, ['etl_unmatched_plays', 'rematch_run_plays'])).toBeLessThanOrEqual(listed + 1);
    // They stay listed: no song fits them.
    expect(Number((await client.query('SELECT COUNT(*) AS listed FROM etl_unmatched_plays')).rows[0].listed)).toBe(listed);
  });
});

// A nightly run of one day's log and no song files, over a warehouse that holds songs: the re-match
// compares the plays the run just listed with the songs of keys other than the run's songs' keys
// (rematch_other_songs), which are then every song. That table was the whole catalogue every night
// (1,014,200 songs: 0.67-0.71 CPU-s on PostgreSQL to copy and analyze); it holds the songs whose
// title the run's plays name now (0.12-0.13 CPU-s, 8,103 songs for a day's 9,095 listed plays).
test("a nightly run's late matches copy the songs its plays name, not every song (no song files, 2,000 songs)", async () => {
  await withSchemaDatabase(async (client) => {
    await stageRun(client, 'run-1', 20_000, 0);
    await runFiles(client, publishFiles('run-1', DAYS[0]));
    await client.query('ANALYZE');
    // The next day's log alone: its plays name songs of run-1 (every 13th too long for its song).
    await stageRun(client, 'run-2', 2_000, 1);
    await client.query(`DELETE FROM staging_songs WHERE run_id = 'run-2'`);
    await client.query(`DELETE FROM etl_run_files WHERE run_id = 'run-2' AND kind = 'songs'`);
    await client.query('ANALYZE staging_songs');
    const files = publishFiles('run-2', DAYS[1]);
    for (const [name, params] of files.slice(0, files.findIndex(([file]) => file === 'transform/unmatched_plays'))) {
      for (const statement of sqlStatements(name, 'postgres', params)) await client.query(statement);
    }
    // A song published since run-2's songplays publish (by a run of song files) that fits some of its
    // too-long plays: the re-match must still find it for them.
    await client.query(`INSERT INTO etl_song_keys (song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration)
      SELECT 'SOLATE', artist_id, title_raw, artist_name_raw, title_key, artist_key, duration + 5 FROM etl_song_keys WHERE song_id = 'SO13'`);
    await client.query('BEGIN');
    for (const statement of publishSettings('postgres', 'transform/unmatched_plays')) await client.query(statement);
    const plans = await explainedStatements(client, 'transform/unmatched_plays', { run_id: 'run-2', duration_tolerance: 2, ...usersDays([DAYS[1]]) });
    await client.query('COMMIT');
    const { rows } = await client.query(
      `SELECT (SELECT COUNT(*) FROM etl_song_keys) AS songs,
              (SELECT COUNT(*) FROM songplays WHERE song_id = 'SOLATE') AS late,
              (SELECT COUNT(*) FROM etl_songplay_names WHERE matched = 0 AND start_time >= '${DAYS[1]}') AS unmatched`,
    );
    const songs = Number(rows[0].songs);
    // Not vacuous: many more songs than plays the run left without a song, and the late song matched.
    expect(songs).toBeGreaterThan(10 * Number(rows[0].unmatched));
    expect(Number(rows[0].unmatched)).toBeGreaterThan(50);
    expect(Number(rows[0].late)).toBeGreaterThan(0);
    const tables = plans.flatMap((p) => {
      const table = /^CREATE TEMP TABLE (\w+) AS/.exec(p.statement)?.[1];
      return table === undefined ? [] : [{ table, rows: p.plan['Actual Rows'] ?? 0 }];
    });
    expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['rematch_other_songs', 'rematch_plays']));
    // No temp table of the late matches holds a row per song of the warehouse.
    expect(tables.filter((t) => t.rows >= songs)).toEqual([]);
  });
});

const STAGING_TABLES = ['staging_events', 'staging_songs'];
const STAGING_PARTITION = /^staging_events_[0-9a-f]{32}$/;

/** Rows each scan of a staging table read (returned, or dropped by its filter or its index's recheck), one entry per scan. */
function stagingScans(node: PlanNode, found: Array<{ table: string; rows: number }> = []): Array<{ table: string; rows: number }> {
  // A run's partition of staging_events (src/warehouse/stagingPartitions.ts) is staging_events here.
  const table = node['Relation Name']?.replace(STAGING_PARTITION, 'staging_events');
  if (table !== undefined && STAGING_TABLES.includes(table)) {
    const rows = (node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
    found.push({ table, rows: rows * (node['Actual Loops'] ?? 1) });
  }
  for (const child of node.Plans ?? []) stagingScans(child, found);
  return found;
}

// Run ids as Temporal gives them (random UUIDs), so not in the order the runs staged.
const RETAINED_RUNS = ['9c3e', '2a71', 'e5f0', '41bd', '7d22', 'b8a9'].map((p) => `${p}a1b2-3c4d-4e5f-8a9b-0c1d2e3f4a5b`);
const NEW_RUN = '5e10a1b2-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

// Staging keeps each finished run's rows for the retention (a week of nightly runs by default,
// sql/etl/clear_staging_expired.sql). Every publish and check statement reads the run's own rows
// (WHERE run_id = …); with no index on run_id, PostgreSQL read every retained run's rows in each, so
// their cost grew with the retention, not with the run. staging_events' partition per run and
// staging_songs_run (sql/schema/staging_*.sql) let them read the run's rows alone.
test("a run's publish and check statements read its own staging rows, not every retained run's (6 runs retained, 2,000 events each)", async () => {
  await withSchemaDatabase(async (client) => {
    // A warehouse the release before built has no index on staging_songs: createSchema builds it.
    await client.query('DROP INDEX staging_songs_run');
    await createSchema(client);
    for (const runId of RETAINED_RUNS) {
      await stageRun(client, runId, 2_000, 0);
      await runFiles(client, publishFiles(runId, DAYS[0]));
      await client.query(`INSERT INTO etl_runs (run_id, status) VALUES ($1, 'completed')`, [runId]);
    }
    await client.query('VACUUM ANALYZE');
    await stageRun(client, NEW_RUN, 2_000, 1);
    const own = (await client.query(
      `SELECT (SELECT COUNT(*) FROM staging_events WHERE run_id = $1) AS events, (SELECT COUNT(*) FROM staging_songs WHERE run_id = $1) AS songs,
              (SELECT COUNT(*) FROM staging_events) AS all_events`,
      [NEW_RUN],
    )).rows[0];
    const ownRows: Record<string, number> = { staging_events: Number(own.events), staging_songs: Number(own.songs) };

    const scans: Array<{ statement: string; table: string; rows: number }> = [];
    const explain = async (name: string, statement: string) => {
      const json = (await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>;
      const first = statement.replace(/^\s*--.*$/gm, '').trim().split('\n')[0];
      for (const scan of stagingScans(json[0].Plan)) scans.push({ statement: `sql/${name}.sql: ${first}`, ...scan });
    };
    // The text candidates again (stageRun gathered them), then the publish and the checks on staging.
    for (const [name, params] of [['transform/postgres/text_candidates', { run_id: NEW_RUN }] as const, ...publishFiles(NEW_RUN, DAYS[1])]) {
      for (const statement of sqlStatements(name, 'postgres', params)) {
        if (EXPLAINABLE.test(statement)) await explain(name, statement);
        else await client.query(statement);
      }
      if (name === 'transform/postgres/text_candidates') await repairCandidates(client, NEW_RUN);
    }
    for (const table of STAGING_TABLES) await explain('checks/staging_reconciliation', sqlStatement('checks/staging_reconciliation', 'postgres', { table, run_id: NEW_RUN }));
    await explain('checks/pages_like_next_song', sqlStatement('checks/pages_like_next_song', 'postgres', { run_id: NEW_RUN, samples: 10 }));

    // Each scan reads at most the run's own rows of its table (a tenth more for a range an index shares).
    expect(scans.filter((s) => s.rows > 1.1 * ownRows[s.table])).toEqual([]);
    // Not vacuous: staging holds the retained runs' rows, and the statements read the run's.
    expect(Number(own.all_events)).toBeGreaterThan(6 * ownRows.staging_events);
    // Planned as a night is: with the whole table's statistics of before the run (its staging
    // analyzed its partition alone).
    const [whole] = (await client.query(`SELECT reltuples FROM pg_class WHERE oid = to_regclass('staging_events')`)).rows;
    expect(Number(whole.reltuples)).toBe(Number(own.all_events) - ownRows.staging_events);
    expect(Math.max(...scans.filter((s) => s.table === 'staging_events').map((s) => s.rows))).toBe(ownRows.staging_events);
    expect(scans.filter((s) => s.table === 'staging_songs').length).toBeGreaterThan(0);
    expect(Number((await client.query('SELECT COUNT(*) AS plays FROM songplays WHERE start_time >= $1', [DAYS[1]])).rows[0].plays)).toBeGreaterThan(1_000);
  });
});

// Most runs stage no event twice: the publish's search for the copies (publish_copy_events in
// sql/transform/songplays.sql) then reads nothing, whatever join PostgreSQL picks. Its statistics
// of staging sometimes made it join every play to its triple and probe the empty copies once per
// play (8.0 s at 8M events); here the joins are also planned with hash joins off, as such a plan.
test('a run without copies finds its copies without reading staging, whatever the joins (20,000 events)', async () => {
  await withSchemaDatabase(async (client) => {
    await stageRun(client, NEW_RUN, 20_000, 0);
    await client.query(`DELETE FROM staging_events WHERE run_id = $1 AND source_key LIKE '%-copies.json'`, [NEW_RUN]);
    await client.query('ANALYZE staging_events');
    const statements = sqlStatements('transform/songplays', 'postgres', { run_id: NEW_RUN, duration_tolerance: 2, days: [DAYS[0]], key_built_after: false, copies_counted: true });
    const at = statements.findIndex((st) => /CREATE TEMP TABLE publish_copy_events AS/.test(st));
    expect(at).toBeGreaterThan(0);
    for (const joins of ['on', 'off']) {
      await client.query('BEGIN');
      try {
        for (const statement of statements.slice(0, at)) await client.query(statement);
        expect((await client.query('SELECT COUNT(*)::int AS n FROM publish_play_copies')).rows).toEqual([{ n: 0 }]);
        await client.query(`SET LOCAL enable_hashjoin = ${joins}`);
        const plan = ((await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statements[at]}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan;
        const scans = stagingScans(plan);
        expect({ joins, scans: scans.length }).toEqual({ joins, scans: 1 });
        expect({ joins, read: scans[0].rows }).toEqual({ joins, read: 0 });
      } finally {
        await client.query('ROLLBACK');
      }
    }
  });
});

// PostgreSQL's ledger (sql/ledger/postgres/record.sql) takes each file's staged records from the
// counts its staging wrote (etl_file_counts), not from a grouping of the run's staging rows, which
// cost 2.3 s of the songplays publish's serial part at 8M events. A kind staged without counts (by a
// release before them) is still counted from its rows, and every way gives the shared file's rows.
test('the ledger reads the counts staging wrote and no staging row, and the same ledger rows as the shared file (2,000 events)', async () => {
  await withSchemaDatabase(async (client) => {
    await stageRun(client, NEW_RUN, 2_000, 0);
    const ledgerOf = async (name: string) => {
      await client.query('BEGIN');
      try {
        let insert: PlanNode | undefined;
        for (const statement of sqlStatements(name, 'postgres', { run_id: NEW_RUN, loaded_at: '2018-12-01 00:00:00' })) {
          if (!/INSERT INTO etl_load_ledger/.test(statement)) await client.query(statement);
          else insert = ((await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan;
        }
        const rows = (await client.query('SELECT kind, source_key, records, rejects FROM etl_load_ledger ORDER BY kind, source_key')).rows;
        const read: Record<string, number> = {};
        for (const scan of stagingScans(insert!)) read[scan.table] = (read[scan.table] ?? 0) + scan.rows;
        return { rows, read };
      } finally {
        await client.query('ROLLBACK');
      }
    };
    const shared = await ledgerOf('ledger/record');
    expect(shared.rows.length).toBeGreaterThan(100);
    expect(shared.read.staging_events).toBeGreaterThan(2_000);
    // Without counts (a run staged by a release before them), from the staging rows, as the shared file.
    const uncounted = await ledgerOf('ledger/postgres/record');
    expect(uncounted).toEqual(shared);
    // The counts as the worker's staging writes them, for both kinds: no staging row read.
    await client.query(
      `INSERT INTO etl_file_counts (run_id, kind, source_key, records)
       SELECT run_id, 'events', source_key, COUNT(*) FROM staging_events WHERE run_id = $1 GROUP BY run_id, source_key
       UNION ALL SELECT run_id, 'songs', source_key, COUNT(*) FROM staging_songs WHERE run_id = $1 GROUP BY run_id, source_key`,
      [NEW_RUN],
    );
    const counted = await ledgerOf('ledger/postgres/record');
    expect(counted.rows).toEqual(shared.rows);
    expect(counted.read).toEqual({ staging_events: 0, staging_songs: 0 });
    // Counts of one kind only: the other is counted from its rows.
    await client.query(`DELETE FROM etl_file_counts WHERE kind = 'songs'`);
    const eventsCounted = await ledgerOf('ledger/postgres/record');
    expect(eventsCounted.rows).toEqual(shared.rows);
    expect(eventsCounted.read.staging_events).toBe(0);
    expect(eventsCounted.read.staging_songs).toBeGreaterThan(100);
  });
});

/** Nested Loops of a plan that probed their inner side more than PROBES_ALLOWED times, planned or not. */
function probingLoops(node: PlanNode, path: string[] = []): string[] {
  const here = [...path, node['Node Type']];
  const found: string[] = [];
  if (node['Node Type'] === 'Nested Loop') {
    const outer = node.Plans?.find((p) => p['Parent Relationship'] === 'Outer');
    const probes = outer ? (outer['Actual Rows'] ?? 0) * (outer['Actual Loops'] ?? 1) : 0;
    if (probes > PROBES_ALLOWED) found.push(`${here.join(' > ')} probes its inner side ${probes} times`);
  }
  for (const child of node.Plans ?? []) found.push(...probingLoops(child, here));
  return found;
}

// A first run: the publishes fill empty star tables, and nothing has gathered their statistics when
// the checks run. Without the check step's ANALYZE, PostgreSQL planned each references check as an
// ordered nested loop probing the referenced table's index once per play (at 8M events: 124 s for
// `songplays.start_time in time`, most of it heap fetches; 7.7 s as a hash anti join).
test('the quality checks read each table once right after a first publish (statistics refreshed by the check step)', async () => {
  const url = await createTestDatabase(pg.url, 'plans');
  const client = new Client({ connectionString: url });
  const warehouse = new PostgresWarehouse(url);
  await client.connect();
  try {
    // No autovacuum between the publish and the checks, as when the checks follow at once.
    await createSchema(client);
    for (const table of ['songplays', 'users', 'songs', 'artists', 'time']) await client.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await stageRun(client, 'run-1', 20_000, 0);
    await runFiles(client, publishFiles('run-1', DAYS[0]));
    await refreshCheckStatistics(warehouse);
    const found: string[] = [];
    for (const { name, rule } of qualityChecks()) {
      if (!('column' in rule)) continue;
      for (const statement of [failingRowsSql(rule, 'postgres'), ...(rule.kind === 'references' ? [failingCountSql(rule, 'postgres')] : [])]) {
        // As the check step runs it: after the check settings, in a transaction of its own.
        await client.query('BEGIN');
        for (const setting of checkSettings('postgres')) await client.query(setting);
        const json = (await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>;
        await client.query('COMMIT');
        const nodes = [...quadraticNodes(json[0].Plan), ...probingLoops(json[0].Plan)];
        if (nodes.length > 0) found.push(`${name}: ${nodes.join('; ')}`);
      }
    }
    expect(found).toEqual([]);
    const { rows } = await client.query('SELECT COUNT(*) AS plays FROM songplays');
    expect(Number(rows[0].plays)).toBeGreaterThan(10_000);
  } finally {
    await client.end();
    await warehouse.close();
  }
});

// The references count of `songplays.start_time in time` hashes every start time of time. At the
// default work_mem (hash tables of up to 8MB) PostgreSQL built it on parallel workers, and each play
// probed it at random across the whole table: at 1.6M events (964k times) 0.63-0.84 CPU-s. The check
// settings (sql/postgres/check_settings.sql) keep it in one backend, in batches of at most 2MB whose
// tables stay in the core's cache: 0.48-0.52 CPU-s, the same count.
test('the references count of the start times hashes time in batches, on no parallel workers (150,000 start times)', async () => {
  await withSchemaDatabase(async (client) => {
    // Narrow plays, one a second (the check reads start_time alone), and their times.
    await client.query(
      `INSERT INTO songplays (songplay_id, start_time, user_id)
       SELECT md5(CAST(i AS TEXT)), TIMESTAMP '2018-11-01 00:00:00' + i * INTERVAL '1 second', i % 100 FROM generate_series(1, 150000) AS i`,
    );
    await client.query(`INSERT INTO time (start_time) SELECT start_time FROM songplays WHERE songplay_id <> md5('7')`);
    await client.query('ANALYZE songplays, time');
    const rule = qualityChecks().find((c) => c.name === 'songplays.start_time in time')!.rule as Extract<CheckRule, { kind: 'references' }>;
    await client.query('BEGIN');
    for (const statement of checkSettings('postgres')) await client.query(statement);
    const json = (await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${failingCountSql(rule, 'postgres')}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>;
    const { rows } = await client.query(failingCountSql(rule, 'postgres'));
    await client.query('COMMIT');
    const nodes = planNodes(json[0].Plan);
    expect(nodes.filter((n) => /Gather/.test(n['Node Type'])).map((n) => n['Node Type'])).toEqual([]);
    const hashes = nodes.filter((n) => n['Node Type'] === 'Hash') as Array<PlanNode & { 'Hash Batches'?: number; 'Peak Memory Usage'?: number }>;
    expect(hashes).toHaveLength(1);
    expect(hashes[0]['Hash Batches']).toBeGreaterThan(1);
    expect(hashes[0]['Peak Memory Usage']).toBeLessThanOrEqual(2048);
    expect(Number(rows[0].failing)).toBe(1);
  });
});

// The report's groupings of every play held one hash table of every group at the report's 256MB,
// which each play reached at random: the engagement query's plays per session, day and level (~57MB
// at 1.6M events; 1.87-2.08 CPU-s for the query), content_top's plays per song and artist id and
// content_played's per name (183k names at 8M events, where both grew faster than the plays). With
// their own settings (sql/postgres/report_partitioned_groups.sql) PostgreSQL groups the plays in
// partitions that stay in the core's cache: engagement 1.41-1.44 CPU-s at 1.6M, the content queries
// 7.27-7.55 → 6.33-6.64 s and 5.79-5.99 → 4.67-4.95 s alone at 8M, the same rows.
test('the engagement and content report queries group the plays in partitions, as queryInsights runs them (150,000 plays)', async () => {
  const url = await createTestDatabase(pg.url, 'plans');
  const client = new Client({ connectionString: url });
  const warehouse = new PostgresWarehouse(url);
  await client.connect();
  let plans: ReportPlan[];
  const partitioned = {
    engagement: { firstLine: '-- Activity and engagement', table: 'songplays' },
    catalogue: { firstLine: '-- Content: the most played songs and artists of the catalogue', table: 'songplays' },
    named: { firstLine: '-- Content: the most played songs and artists by what each play itself names', table: 'etl_songplay_names' },
  };
  try {
    await createSchema(client);
    // 50,000 sessions of three plays; 100,000 song and artist id pairs; 100,000 names.
    await client.query(
      `INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id)
       SELECT md5(CAST(i AS TEXT)), TIMESTAMP '2018-11-01 00:00:00' + i * INTERVAL '1 second', (i / 3) % 1000, 'free',
              'SO' || (i % 100000), 'AR' || (i % 100000), i / 3
       FROM generate_series(1, 150000) AS i`,
    );
    await client.query(
      `INSERT INTO etl_songplay_names (songplay_id, start_time, user_id, name_id, matched)
       SELECT songplay_id, start_time, user_id, CAST(substr(song_id, 3) AS INTEGER), 1 FROM songplays`,
    );
    await client.query(`INSERT INTO etl_play_names (name_id, title, artist_name) SELECT i, 'Title ' || i, 'Artist ' || (i % 3000) FROM generate_series(0, 99999) AS i`);
    await client.query(`INSERT INTO songs (song_id, title, artist_id) SELECT 'SO' || i, 'Title ' || i, 'AR' || i FROM generate_series(0, 99999) AS i`);
    await client.query('ANALYZE songplays, etl_songplay_names, etl_play_names, songs');
    // The three queries explained (and run), the others left out.
    plans = await reportPlans(warehouse, { analyze: true, only: (sql) => Object.values(partitioned).some((q) => sql.startsWith(q.firstLine)) });
  } finally {
    await client.end();
    await warehouse.close();
  }
  // Each query's grouping of the table's rows: hashed, and in more than one batch.
  const groupings = Object.fromEntries(
    Object.entries(partitioned).map(([name, q]) => [
      name,
      (planNodes(plans.find((p) => p.sql.startsWith(q.firstLine))!.plan).filter(
        (n) => /Aggregate/.test(n['Node Type']) && (n.Plans ?? []).some((c) => c['Relation Name'] === q.table),
      ) as Array<PlanNode & { 'HashAgg Batches'?: number }>).map((n) => [n.Strategy, n['Actual Rows'], (n['HashAgg Batches'] ?? 1) > 1]),
    ]),
  );
  expect(groupings).toEqual({
    engagement: [['Hashed', 50001, true]],
    catalogue: [['Hashed', 100000, true]],
    named: [['Hashed', 100000, true]],
  });
});

// The report runs two queries at once on PostgreSQL, one a core (src/insights/queries.ts). Their
// parallel workers only contended for the core the other query had: at 8M events the report took
// 10.3-11.0 s with them and 9.3-10.0 s without (docs/performance-log.md).
test('the report runs each query in its backend alone, on no parallel workers, as queryInsights runs them', async () => {
  const url = await createTestDatabase(pg.url, 'plans');
  const client = new Client({ connectionString: url });
  await client.connect();
  // Workers planned wherever PostgreSQL may use them, as it plans them for millions of plays.
  await client.query(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET parallel_setup_cost = 0', current_database());
    EXECUTE format('ALTER DATABASE %I SET parallel_tuple_cost = 0', current_database());
    EXECUTE format('ALTER DATABASE %I SET min_parallel_table_scan_size = 0', current_database()); END $$`);
  const warehouse = new PostgresWarehouse(url);
  let plans: ReportPlan[];
  const plannedAlone: PlanNode[] = [];
  try {
    await createSchema(client);
    await client.query(
      `INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent)
       SELECT md5(CAST(i AS TEXT)), TIMESTAMP '2018-11-01 00:00:00' + i * INTERVAL '1 second', (i / 3) % 1000, 'free',
              'SO' || (i % 5000), 'AR' || (i % 700), i / 3, 'Town ' || (i % 90), 'Mozilla/5.0 ' || (i % 40)
       FROM generate_series(1, 20000) AS i`,
    );
    await client.query('ANALYZE songplays');
    plans = await reportPlans(warehouse);
    // The same queries with the report's settings alone do plan workers.
    for (const name of ['activity_engagement', 'content_top', 'audience_levels', 'activity_by_hour_weekday']) {
      const sql = sqlStatement(`insights/${name}`, 'postgres', { ...windowParams(null), limit: 10 });
      plannedAlone.push(await explainedPlan(warehouse, sqlStatements('postgres/report_settings', 'postgres'), sql));
    }
  } finally {
    await client.end();
    await warehouse.close();
  }
  const gathers = (plan: PlanNode) => planNodes(plan).filter((n) => /^Gather/.test(n['Node Type'])).length;
  expect(plannedAlone.map((plan) => gathers(plan) > 0)).toEqual([true, true, true, true]);
  expect(plans).toHaveLength(8);
  expect(plans.filter((p) => gathers(p.plan) > 0).map((p) => p.sql.split('\n')[0])).toEqual([]);
});

/** The plan of `sql` after `setup` in one transaction, as the report runs a query; `analyze` runs it too. */
async function explainedPlan(warehouse: PostgresWarehouse, setup: readonly string[], sql: string, { analyze = false } = {}): Promise<PlanNode> {
  const rows = await warehouse.queryInTransaction(setup, `EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${sql}`);
  const plan = rows[0]['QUERY PLAN'];
  return (JSON.parse(typeof plan === 'string' ? plan : JSON.stringify(plan)) as Array<{ Plan: PlanNode }>)[0].Plan;
}

interface ReportPlan {
  sql: string;
  plan: PlanNode;
}

/**
 * The report's queries as queryInsights runs them (the whole window, the level changes given), each
 * explained after the settings it was given (with `analyze`, run too); `only` picks the queries kept.
 */
async function reportPlans(
  warehouse: PostgresWarehouse,
  { analyze = false, only = () => true }: { analyze?: boolean; only?: (sql: string) => boolean } = {},
): Promise<ReportPlan[]> {
  const plans: ReportPlan[] = [];
  const explaining = Object.assign(Object.create(warehouse) as PostgresWarehouse, {
    queryInTransaction: async (setup: readonly string[], sql: string) => {
      if (only(sql)) plans.push({ sql, plan: await explainedPlan(warehouse, setup, sql, { analyze }) });
      return [];
    },
  });
  await queryInsights(explaining, { window: null, levelChanges: [] });
  return plans;
}

/** Sort, Unique and WindowAgg nodes of a plan with the rows each processed (all loops and workers). */
function orderingNodes(node: PlanNode & { Workers?: Array<{ 'Actual Rows'?: number }> }, path: string[] = []): Array<{ at: string; rows: number }> {
  const here = [...path, node['Node Type']];
  const found: Array<{ at: string; rows: number }> = [];
  if (['Sort', 'Incremental Sort', 'Unique', 'WindowAgg'].includes(node['Node Type'])) {
    found.push({ at: here.join(' > '), rows: (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) });
  }
  for (const child of node.Plans ?? []) found.push(...orderingNodes(child, here));
  return found;
}

/** The joins and ordering nodes of a plan, by where they are. */
function joinsAndOrderings(node: PlanNode, path: string[] = []): string[] {
  const here = [...path, node['Node Type']];
  const found = /Join|Nested Loop|Sort|Unique|WindowAgg/.test(node['Node Type']) ? [here.join(' > ')] : [];
  for (const child of node.Plans ?? []) found.push(...joinsAndOrderings(child, here));
  return found;
}

// The songplays publish's triples tables (publish_play_songs, publish_play_triples) carry texts and
// ids that no later statement joins on; their statistics were most of the ANALYZE of each (at 1.6M
// events publish_play_songs' took 0.13-0.14 CPU-s, 0.05 of its join keys only). Only those are analyzed.
test("the songplays publish gathers the statistics of its triples' join keys only (2,000 events)", async () => {
  await withSchemaDatabase(async (client) => {
    await stageRun(client, 'run-1', 2_000, 0);
    await runFiles(client, publishFiles('run-1', DAYS[0]).filter(([name]) => ['transform/songs', 'transform/artists'].includes(name)));
    await client.query('BEGIN');
    for (const statement of publishSettings('postgres', 'transform/songplays')) await client.query(statement);
    const statements = sqlStatements('transform/songplays', 'postgres', { run_id: 'run-1', duration_tolerance: 2, days: [DAYS[0]], key_built_after: false, copies_counted: true });
    const last = statements.findIndex((s) => /^ANALYZE publish_play_triples\b/m.test(s));
    expect(last).toBeGreaterThan(0);
    for (const statement of statements.slice(0, last + 1)) await client.query(statement);
    const { rows } = await client.query(
      `SELECT tablename, string_agg(attname, ',' ORDER BY attname) AS columns FROM pg_stats
       WHERE tablename IN ('publish_play_songs', 'publish_play_triples') GROUP BY tablename ORDER BY tablename`,
    );
    await client.query('ROLLBACK');
    expect(rows).toEqual([
      { tablename: 'publish_play_songs', columns: 'artist_k,length_k,nulls,song_k,triple_id' },
      { tablename: 'publish_play_triples', columns: 'artist_k,length_k,nulls,song_k' },
    ]);
  });
});

// The users publish's candidates (sql/transform/users.sql, publish_run_users) joined each raw userid
// and log to its user's latest ts: at 1.6M events PostgreSQL planned that join from a guess of a few
// hundred rows, as two sorts of every (user, log) pair and merge joins (0.45 of loadUsers' ~2.4
// CPU-s). The variants of a user id meet in the ranking after the second pass now; the candidates
// are read off the first pass's groups as they are.
test("the users publish's candidates are read off the first pass, neither joined nor sorted (20,000 events)", async () => {
  await withSchemaDatabase(async (client) => {
    await stageRun(client, 'run-1', 20_000, 0);
    let candidates: string[] | undefined;
    await client.query('BEGIN');
    for (const statement of sqlStatements('transform/users', 'postgres', { run_id: 'run-1', ...usersDays([DAYS[0]]) })) {
      if (/^CREATE (?:TEMP|UNLOGGED) TABLE publish_run_users AS\b/m.test(statement)) {
        const json = (await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>;
        candidates = joinsAndOrderings(json[0].Plan);
      } else {
        await client.query(statement);
      }
    }
    await client.query('COMMIT');
    expect(candidates).toEqual([]);
    const { rows } = await client.query('SELECT COUNT(*) AS users FROM users');
    expect(Number(rows[0].users)).toBeGreaterThan(100);
  });
});

// Users staged as they are: on one level for days, changing now and then, a few events of a day
// on the other level; one event a minute from 1 November 2018 (about 28 days for 40,000).
const LEVELS_DAY0 = Date.UTC(2018, 10, 1);

async function stageUsersOnLevels(client: Client, events: number): Promise<void> {
  for (const statement of sqlStatements('schema/staging_events', 'postgres')) await client.query(statement);
  await attachStagingPartitionsOn(client, 'run-1');
  await client.query(
    `INSERT INTO staging_events (run_id, source_key, source_line, userid, ts, iteminsession, sessionid, level, page)
     SELECT 'run-1', 'log_data/events.json', i, CAST(i % 200 AS TEXT), $2::bigint + CAST(i AS BIGINT) * 60000, i % 40, i / 40,
       CASE WHEN i % 997 = 0 OR ((i % 200) + (i / 8000)) % 3 = 0 THEN 'paid' ELSE 'free' END,
       CASE WHEN i % 50 = 0 THEN 'Submit Upgrade' WHEN i % 4 = 0 THEN 'Home' ELSE 'NextSong' END
     FROM generate_series(1, $1::int) AS i`,
    [events, LEVELS_DAY0],
  );
}

/** The level-change query's plan and rows for the window, with the settings queryLevelChanges runs it with (src/insights/queries.ts). */
async function levelChangesPlan(client: Client, window: { from: string; to: string } | null): Promise<{ plan: PlanNode; rows: Array<Record<string, unknown>> }> {
  const sql = sqlStatement('insights/revenue_level_changes', 'postgres', { ...windowParams(window), limit: 10 });
  await client.query('BEGIN');
  try {
    for (const file of ['postgres/report_settings', 'postgres/one_backend', 'postgres/level_changes_settings'] as const) {
      for (const statement of sqlStatements(file, 'postgres')) await client.query(statement);
    }
    const json = (await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>;
    return { plan: json[0].Plan, rows: (await client.query(sql)).rows };
  } finally {
    await client.query('ROLLBACK');
  }
}

// The report's level changes (sql/insights/revenue_level_changes.sql) sorted every staged event of
// all history for its LAG (at 8M events, 680 MB spilled to disk); it orders a user's day-level
// spans now, and events one by one only on days whose levels interleave.
test('the level-change report query orders spans of events, not every staged event (40,000 events)', async () => {
  const url = await createTestDatabase(pg.url, 'plans');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const events = 40_000;
    await stageUsersOnLevels(client, events);
    for (const statement of sqlStatements('staging/analyze_events', 'postgres')) await client.query(statement);
    const { plan, rows } = await levelChangesPlan(client, null);
    const ordering = orderingNodes(plan);
    expect(quadraticNodes(plan)).toEqual([]);
    expect(ordering.length).toBeGreaterThan(0);
    expect(ordering.filter((n) => n.rows > events / 4)).toEqual([]);
    // The fixture has level changes and interleaved days, so both paths ran.
    expect(rows.reduce((s, r) => s + Number(r.level_upgrades) + Number(r.level_downgrades), 0)).toBeGreaterThan(10);
  } finally {
    await client.end();
  }
});

// A night's level changes (one day after the retained days before it) ordered the spans of every
// retained day; of the days before the window only each user's last level counts now, so what is
// ordered is the window's spans and one item per user (and the events at a ts two levels share).
test('the level changes of one day after 26 others order that day\'s spans and one last level per user, not every day\'s spans', async () => {
  const url = await createTestDatabase(pg.url, 'plans');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await stageUsersOnLevels(client, 40_000);
    // Ten users' last events before the window, again on the other level at the same ts: tied.
    await client.query(
      `INSERT INTO staging_events (run_id, source_key, source_line, userid, ts, iteminsession, sessionid, level, page)
       SELECT 'run-1', 'log_data/events.json', 100000 + ROW_NUMBER() OVER (), userid, ts, iteminsession + 1, sessionid,
              CASE WHEN level = 'paid' THEN 'free' ELSE 'paid' END, 'Home'
       FROM (SELECT userid, ts, iteminsession, sessionid, level, ROW_NUMBER() OVER (PARTITION BY userid ORDER BY ts DESC) AS latest
             FROM staging_events WHERE ts < $1 AND CAST(userid AS INTEGER) < 10) e
       WHERE latest = 1`,
      [LEVELS_DAY0 + 26 * 86_400_000],
    );
    for (const statement of sqlStatements('staging/analyze_events', 'postgres')) await client.query(statement);
    const { plan, rows } = await levelChangesPlan(client, { from: '2018-11-27', to: '2018-11-27' });
    expect(quadraticNodes(plan)).toEqual([]);
    const ordering = orderingNodes(plan);
    expect(ordering.length).toBeGreaterThan(0);
    // The window's day holds 1,440 events of 200 users; the 26 days before it about 6,000 spans.
    expect(ordering.filter((n) => n.rows > 2_000)).toEqual([]);
    expect(rows.map((r) => r.day)).toEqual(['2018-11-27']);
    expect(Number(rows[0].level_upgrades) + Number(rows[0].level_downgrades)).toBeGreaterThan(5);
  } finally {
    await client.end();
  }
});

// Every pooled connection runs sql/postgres/session_settings.sql first (JIT off: compiling the
// plans cost more CPU than it saved), whatever the server's default; the test server's is on.
test('every pooled connection runs with JIT off, where the server default is on', async () => {
  const url = await createTestDatabase(pg.url, 'plans');
  const read = `SELECT current_setting('jit') AS jit, pg_backend_pid() AS pid`;
  const client = new Client({ connectionString: url });
  await client.connect();
  const warehouse = new PostgresWarehouse(url);
  try {
    expect((await client.query(read)).rows[0].jit).toBe('on');
    // Four at once: four connections of the pool, each new.
    const during = await Promise.all([0, 1, 2, 3].map(() => warehouse.queryInTransaction([`SELECT pg_sleep(0.2)`], read)));
    expect(new Set(during.map(([row]) => row.pid)).size).toBe(4);
    expect(during.map(([row]) => row.jit)).toEqual(['off', 'off', 'off', 'off']);
    expect(await warehouse.query(`SELECT current_setting('jit') AS jit`)).toEqual([{ jit: 'off' }]);
  } finally {
    await client.end();
    await warehouse.close();
  }
});

// The report's queries run with sql/postgres/report_settings.sql, each in its own transaction, so
// nothing leaks to the pool.
test('a report query runs with the report settings, and the pooled session keeps its own afterwards', async () => {
  const warehouse = new PostgresWarehouse(await createTestDatabase(pg.url, 'plans'));
  try {
    const read = `SELECT current_setting('jit') AS jit, current_setting('work_mem') AS work_mem`;
    const [before] = await warehouse.query(read);
    const settings = sqlStatements('postgres/report_settings', 'postgres');
    expect(settings).toEqual([expect.stringMatching(/\bSET LOCAL work_mem = '256MB'$/)]);
    const during = await warehouse.queryInTransaction(settings, read);
    expect(during).toEqual([{ jit: 'off', work_mem: '256MB' }]);
    expect(before).toEqual({ jit: 'off', work_mem: '4MB' });
    for (let i = 0; i < 3; i++) expect((await warehouse.query(read))[0]).toEqual(before);
  } finally {
    await warehouse.close();
  }
});

// The songplays publish's pass over every play (sql/transform/songplays.sql, publish_songplays)
// joins each play to its raw triple by four keys. PostgreSQL costed a hash join of every play above
// sorting the plays by the triple's texts for a merge join; at 1.6M events that sort was the largest
// part of the pass (7.5-9.0 CPU-s, 4.7-5.3 with the hash join). The setting holds for that statement only.
// The triples table (7.7 MB at 1.6M events) was below min_parallel_table_scan_size, so the leader and
// each worker scanned and hashed it for itself; with the threshold at 0 for that statement only, it is
// one Parallel Hash, built once and shared.
test("the songplays publish hashes the triples once for all its processes in its pass over every play, and sorts the plays only by key (20,000 events)", async () => {
  await withSchemaDatabase(async (client) => {
    await stageRun(client, 'run-1', 20_000, 0);
    // As the real plays are: a popular title, artist and length each in many triples (at 1.6M events
    // a title in 400 of 68,821 triples, an artist in 989, a length in 17). From that skew PostgreSQL
    // guesses many triples per hash bucket, and so costs the hash join high.
    await client.query(
      `INSERT INTO staging_events (run_id, source_key, source_line, artist, song, length, level, location, page, sessionid, iteminsession, ts, useragent, userid)
       SELECT 'run-1', 'log_data/2018/11/' || $1 || '-events.json', 100000 + i,
         CASE WHEN i % 3 = 0 THEN 'Star' ELSE 'Band ' || i END, CASE WHEN i % 3 = 1 THEN 'Hit' ELSE 'Cover ' || i END,
         CASE WHEN i % 3 = 2 THEN 333 ELSE 100 + i / 7.0 END, 'free', 'Town 1', 'NextSong', 90000 + i, 0, $2::bigint + i * 1000, '"Mozilla/5.0"', CAST(i % 50 AS TEXT)
       FROM generate_series(1, 600) AS i`,
      [DAYS[0], Date.UTC(2018, 10, 1) + 50_000_000],
    );
    for (const statement of sqlStatements('transform/postgres/text_candidates', 'postgres', { run_id: 'run-1' })) await client.query(statement);
    await repairCandidates(client, 'run-1');
    for (const statement of sqlStatements('staging/analyze_events', 'postgres')) await client.query(statement);
    await client.query('ANALYZE etl_text_repairs');
    await runFiles(client, publishFiles('run-1', DAYS[0]).filter(([name]) => ['transform/songs', 'transform/artists'].includes(name)));
    await client.query('BEGIN');
    for (const statement of publishSettings('postgres', 'transform/songplays')) await client.query(statement);
    const plans = await explainedStatements(client, 'transform/songplays', { run_id: 'run-1', duration_tolerance: 2, days: [DAYS[0]], key_built_after: false, copies_counted: true });
    const settings = (await client.query(`SELECT current_setting('enable_mergejoin') AS merge, current_setting('min_parallel_table_scan_size') AS scan_size`)).rows[0];
    await client.query('COMMIT');
    const pass = plans.find((p) => /publish_songplays AS/.test(p.statement));
    expect(pass).toBeDefined();
    const nodes = planNodes(pass!.plan);
    expect(joinsAndOrderings(pass!.plan).filter((at) => /Merge Join$/.test(at))).toEqual([]);
    expect(nodes.filter((n) => /Sort$/.test(n['Node Type']))).toHaveLength(1);
    // EXPLAIN's JSON names a Parallel Hash "Hash", with "Parallel Aware": true.
    const triplesHash = nodes.find((n) => n['Node Type'] === 'Hash' && planNodes(n).some((below) => below['Relation Name'] === 'publish_play_triples'));
    expect(triplesHash).toBeDefined();
    expect(triplesHash!['Parallel Aware']).toBe(true);
    // Not left to the rest of the transaction.
    expect(settings).toEqual({ merge: 'on', scan_size: '8MB' });
    const { rows } = await client.query('SELECT COUNT(*) AS plays, COUNT(song_id) AS matched FROM songplays');
    expect(Number(rows[0].plays)).toBeGreaterThan(10_000);
    expect(Number(rows[0].matched)).toBeGreaterThan(1_000);
  });
});

// A first load builds songplays' key after its rows (engineTraits.ts songplaysKeyAfterFirstLoad):
// its pass over every play then writes the plays as they come, with no sort of every play that one
// process merges (its key order folds to a constant).
test("a first load's pass over every play sorts nothing: the key is built after the rows (20,000 events)", async () => {
  await withSchemaDatabase(async (client) => {
    await stageRun(client, 'run-1', 20_000, 0);
    await runFiles(client, publishFiles('run-1', DAYS[0]).filter(([name]) => ['transform/songs', 'transform/artists'].includes(name)));
    const sortsOf = async (keyBuiltAfter: boolean) => {
      await client.query('BEGIN');
      try {
        for (const statement of publishSettings('postgres', 'transform/songplays')) await client.query(statement);
        const plans = await explainedStatements(client, 'transform/songplays', { run_id: 'run-1', duration_tolerance: 2, days: [DAYS[0]], key_built_after: keyBuiltAfter, copies_counted: true });
        const pass = plans.find((p) => /publish_songplays AS/.test(p.statement));
        return planNodes(pass!.plan).filter((n) => /Sort$|Gather Merge/.test(n['Node Type'])).map((n) => n['Node Type']);
      } finally {
        await client.query('ROLLBACK');
      }
    };
    expect(await sortsOf(false)).toEqual(expect.arrayContaining(['Sort']));
    expect(await sortsOf(true)).toEqual([]);
  });
});
