import type { RunWindow } from '../etl/types';
import { engineTraits } from '../warehouse/engineTraits';
import { queryAfterSetup } from '../warehouse/queryInTransaction';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Row, Warehouse } from '../warehouse/types';
import { fillBuckets, PLAYS_PER_SESSION_BUCKETS, SESSION_LENGTH_BUCKETS, SESSIONS_PER_USER_BUCKETS } from './buckets';
import { runConcurrently } from '../util/lanes';
import { summarizeUserAgents, type AgentShare } from './userAgents';
import { windowParams } from './window';

/** Every insight as plain numbers: what the JSON format prints and the report is built from. */
export interface InsightData {
  activity: {
    daily: { day: string; plays: number; activeUsers: number }[];
    byHour: { hour: number; plays: number }[];
    byWeekday: { weekday: number; plays: number }[];
  };
  content: {
    topSongs: { songId: string; title: string; artist: string | null; plays: number; listeners: number }[];
    topArtists: { artistId: string; name: string | null; plays: number; listeners: number }[];
    /** What was played: by the plays' own (repaired) title and artist, matched to the catalogue or not. */
    playedSongs: { title: string; artist: string; plays: number; listeners: number; matchedPlays: number }[];
    playedArtists: { name: string; plays: number; listeners: number; matchedPlays: number }[];
    matchDaily: { day: string; plays: number; matchedPlays: number }[];
    plays: number;
    matchedPlays: number;
    unmatchedPlays: number;
    /** Plays the "as the plays name them" lists count: fewer than plays when some were published before play names were kept. */
    namedPlays: number;
  };
  revenue: {
    byLevel: { level: string; plays: number; users: number }[];
    daily: { day: string; paidPlays: number; freePlays: number; paidUsers: number; freeUsers: number }[];
    levelChanges: { day: string; levelUpgrades: number; levelDowngrades: number; submitUpgrades: number; submitDowngrades: number }[];
  };
  engagement: {
    sessions: number;
    users: number;
    plays: number;
    maxPlaysPerSession: number;
    sessionLengths: { label: string; count: number }[];
    playsPerSession: { label: string; count: number }[];
    sessionsPerUser: { label: string; count: number }[];
    topUsers: { userId: number; firstName: string | null; lastName: string | null; level: string | null; plays: number; sessions: number }[];
  };
  audience: {
    locations: { location: string; plays: number; users: number }[];
    platforms: AgentShare[];
    browsers: AgentShare[];
  };
  operations: {
    runs: {
      runId: string;
      window: string;
      startedAt: string | null;
      eventsStaged: number;
      songsStaged: number;
      plays: number;
      rejected: number;
      /** Why the run's report was not written; null when it was, or when that is not recorded. */
      reportError: string | null;
      /**
       * Whether etl_runs records if the run's report was written: false for the runs an earlier
       * release recorded, before report_error (on an etl_runs without the column, until a run of
       * this release adds it, and for the runs that were there when it was added).
       */
      reportRecorded: boolean;
    }[];
    rejected: { runId: string; kind: string; records: number; startedAt: string | null }[];
    quality: { runId: string; startedAt: string | null; passed: number; warned: number; failed: number }[];
  };
}

export interface InsightOptions {
  window: RunWindow | null;
  /** Row[] in each top list (default 10). */
  limit?: number;
  /** The level changes, already queried (queryLevelChanges): not queried again. */
  levelChanges?: LevelChange[];
  /** Cancels the queries (an activity's cancellation). */
  signal?: AbortSignal;
  /**
   * False when etl_runs has no report_error column (an earlier release created it and no run of
   * this one has added it yet): the runs are read without it. Default true.
   */
  reportErrorColumn?: boolean;
  /** Hears of each query done: its SQL file and how long it ran. */
  queryDone?: QueryDone;
}

/** Called with each insights query's SQL file (sql/insights/….sql) and how long it ran (ms). */
export type QueryDone = (sqlFile: string, ms: number) => void;

/** Upgrades and downgrades on one UTC day. */
export type LevelChange = InsightData['revenue']['levelChanges'][number];

const num = (v: Row[string]): number => (v === null ? 0 : Number(v));
const str = (v: Row[string]): string => (v === null ? '' : String(v));
const strOrNull = (v: Row[string]): string | null => (v === null ? null : String(v));

interface StoredSummary {
  staging?: { events?: { recordsStaged?: number }; songs?: { recordsStaged?: number } };
  matches?: { plays?: number };
  rejected?: { count?: number };
}

function parseSummary(text: Row[string]): StoredSummary {
  try {
    return typeof text === 'string' ? (JSON.parse(text) as StoredSummary) : {};
  } catch {
    return {};
  }
}

/** Sums of a column per key, ordered by key (e.g. plays by hour from the plays per hour and weekday). */
function sumBy(rows: Row[], key: string, value: string): { key: number; sum: number }[] {
  const sums = new Map<number, number>();
  for (const r of rows) sums.set(num(r[key]), (sums.get(num(r[key])) ?? 0) + num(r[value]));
  return [...sums.entries()].sort(([a], [b]) => a - b).map(([k, sum]) => ({ key: k, sum }));
}

/** Sessions per bucket of one of the engagement query's two session bucket columns. */
function sessionBuckets(rows: Row[], column: 'length_bucket' | 'plays_bucket'): { bucket: number; count: number }[] {
  return sumBy(rows, column, 'sessions').map(({ key, sum }) => ({ bucket: key, count: sum }));
}

/** Runs one `sql/insights/*.sql` query for the window, naming the file when it fails. */
function insightQueryRunner(
  warehouse: Warehouse,
  window: RunWindow | null,
  limit: number,
  { oneBackend = false, signal, queryDone }: { oneBackend?: boolean; signal?: AbortSignal; queryDone?: QueryDone } = {},
): (name: string) => Promise<Row[]> {
  const params = { ...windowParams(window), limit };
  // The engine's report settings (PostgreSQL's: sql/postgres/report_settings.sql), if it has any.
  const traits = engineTraits(warehouse.dialect);
  const shared = [...traits.reportSettings, ...(oneBackend ? traits.oneCoreSettings : [])];
  return async (name) => {
    // And the query's own, if it has any (PostgreSQL's: engineTraits' reportQuerySettings).
    const settings = [...shared, ...(traits.reportQuerySettings[name] ?? [])].flatMap((file) => sqlStatements(file, warehouse.dialect));
    try {
      const sql = sqlStatement(`insights/${name}`, warehouse.dialect, params);
      const began = performance.now();
      const rows = await queryAfterSetup(warehouse, settings, sql, { signal });
      queryDone?.(`sql/insights/${name}.sql`, performance.now() - began);
      return rows;
    } catch (err) {
      throw new Error(`sql/insights/${name}.sql failed on ${warehouse.description}: ${(err as Error).message}`, { cause: err });
    }
  };
}

function levelChangesOf(rows: Row[]): LevelChange[] {
  return rows.map((r) => ({
    day: str(r.day),
    levelUpgrades: num(r.level_upgrades),
    levelDowngrades: num(r.level_downgrades),
    submitUpgrades: num(r.submit_upgrades),
    submitDowngrades: num(r.submit_downgrades),
  }));
}

/**
 * The window's level changes per day: the report's one query of staging (the raw events, every
 * page). The ETL runs it before its summary, which may clear the run's staging rows
 * (SPARKIFY_STAGING_RETENTION_DAYS), and passes the result to the report. `oneBackend`: on
 * PostgreSQL, on no parallel workers (sql/postgres/one_backend.sql).
 */
export async function queryLevelChanges(
  warehouse: Warehouse,
  window: RunWindow | null,
  options: { oneBackend?: boolean; signal?: AbortSignal; queryDone?: QueryDone } = {},
): Promise<LevelChange[]> {
  return levelChangesOf(await insightQueryRunner(warehouse, window, 10, options)('revenue_level_changes'));
}

/** The report's queries, the longest first (as measured on PostgreSQL: docs/performance-log.md). */
const INSIGHT_QUERIES = [
  'revenue_level_changes',
  'activity_engagement',
  'content_top',
  'audience_levels',
  'content_played',
  'activity_by_hour_weekday',
  'operations_runs',
  'operations_rejected',
  'operations_quality',
] as const;

/**
 * How many report queries run at once. PostgreSQL runs two, each on a pooled connection of its own;
 * two keep a 2-core server busy. Where more than one runs at once, each runs in its backend alone
 * (sql/postgres/one_backend.sql), as the quality checks do: the parallel workers it planned only
 * contended for the cores the other query had. DuckDB already spreads one query over its threads;
 * Redshift queues them anyway.
 */
export const REPORT_QUERY_CONCURRENCY: Record<Warehouse['dialect'], number> = { postgres: 2, duckdb: 1, redshift: 1 };

/**
 * Runs every `sql/insights/*.sql` query for the window and shapes the rows. Each query returns a
 * small, bounded result (top lists, per-day or per-bucket counts), and queries that need the same
 * grouping of the plays share one pass (see each file's header).
 */
export async function queryInsights(warehouse: Warehouse, options: InsightOptions): Promise<InsightData> {
  const concurrency = REPORT_QUERY_CONCURRENCY[warehouse.dialect];
  const runQuery = insightQueryRunner(warehouse, options.window, options.limit ?? 10, {
    oneBackend: concurrency > 1,
    signal: options.signal,
    queryDone: options.queryDone,
  });
  const reportErrorColumn = options.reportErrorColumn ?? true;
  const run = (name: string) => runQuery(name === 'operations_runs' && !reportErrorColumn ? 'operations_runs_before_report_error' : name);
  const names = options.levelChanges ? INSIGHT_QUERIES.filter((n) => n !== 'revenue_level_changes') : INSIGHT_QUERIES;
  // Without revenue_level_changes when the level changes are given (read below only when not).
  const rows = await runConcurrently(names, concurrency, run);
  const daily = rows.activity_engagement.filter((r) => r.part === 'day');
  const hourWeekday = rows.activity_by_hour_weekday;
  const engagement = rows.activity_engagement;
  const sessions: Row[] = engagement.filter((r) => r.part === 'session').map((r) => ({ ...r, length_bucket: r.bucket, sessions: r.n }));
  const sessionsPerUser = engagement.filter((r) => r.part === 'user').map((r) => ({ bucket: num(r.bucket), count: num(r.n) }));
  const played = rows.content_played;
  const plays = daily.reduce((s, d) => s + num(d.plays), 0);
  const matchedPlays = daily.reduce((s, d) => s + num(d.matched_plays), 0);

  return {
    activity: {
      daily: daily.map((r) => ({ day: str(r.day), plays: num(r.plays), activeUsers: num(r.active_users) })),
      byHour: sumBy(hourWeekday, 'hour', 'plays').map(({ key, sum }) => ({ hour: key, plays: sum })),
      byWeekday: sumBy(hourWeekday, 'weekday', 'plays').map(({ key, sum }) => ({ weekday: key, plays: sum })),
    },
    content: {
      topSongs: rows.content_top
        .filter((r) => r.list === 'song')
        .map((r) => ({
        songId: str(r.song_id),
        title: str(r.title),
        artist: strOrNull(r.artist_name),
        plays: num(r.plays),
        listeners: num(r.listeners),
      })),
      topArtists: rows.content_top
        .filter((r) => r.list === 'artist')
        .map((r) => ({
        artistId: str(r.artist_id),
        name: strOrNull(r.artist_name),
        plays: num(r.plays),
        listeners: num(r.listeners),
      })),
      playedSongs: played
        .filter((r) => r.list === 'song')
        .map((r) => ({
          title: str(r.title),
          artist: str(r.artist_name),
          plays: num(r.plays),
          listeners: num(r.listeners),
          matchedPlays: num(r.matched_plays),
        })),
      playedArtists: played
        .filter((r) => r.list === 'artist')
        .map((r) => ({
          name: str(r.artist_name),
          plays: num(r.plays),
          listeners: num(r.listeners),
          matchedPlays: num(r.matched_plays),
        })),
      matchDaily: daily.map((r) => ({ day: str(r.day), plays: num(r.plays), matchedPlays: num(r.matched_plays) })),
      plays,
      matchedPlays,
      unmatchedPlays: plays - matchedPlays,
      namedPlays: played.length > 0 ? num(played[0].named_plays) : 0,
    },
    revenue: {
      byLevel: rows.audience_levels.filter((r) => r.part === 'level').map((r) => ({ level: str(r.label), plays: num(r.plays), users: num(r.users) })),
      daily: daily.map((r) => ({
        day: str(r.day),
        paidPlays: num(r.paid_plays),
        freePlays: num(r.free_plays),
        paidUsers: num(r.paid_users),
        freeUsers: num(r.free_users),
      })),
      levelChanges: options.levelChanges ?? levelChangesOf(rows.revenue_level_changes),
    },
    engagement: {
      sessions: sessions.reduce((s, r) => s + num(r.sessions), 0),
      users: sessionsPerUser.reduce((s, r) => s + r.count, 0),
      plays: sessions.reduce((s, r) => s + num(r.plays), 0),
      maxPlaysPerSession: sessions.reduce((m, r) => Math.max(m, num(r.max_plays)), 0),
      sessionLengths: fillBuckets(SESSION_LENGTH_BUCKETS, sessionBuckets(sessions, 'length_bucket')),
      playsPerSession: fillBuckets(PLAYS_PER_SESSION_BUCKETS, sessionBuckets(sessions, 'plays_bucket')),
      sessionsPerUser: fillBuckets(SESSIONS_PER_USER_BUCKETS, sessionsPerUser),
      topUsers: engagement
        .filter((r) => r.part === 'top')
        .map((r) => ({
          userId: num(r.user_id),
          firstName: strOrNull(r.first_name),
          lastName: strOrNull(r.last_name),
          level: strOrNull(r.level),
          plays: num(r.plays),
          sessions: num(r.n),
        })),
    },
    audience: {
      locations: rows.audience_levels.filter((r) => r.part === 'location').map((r) => ({ location: str(r.label), plays: num(r.plays), users: num(r.users) })),
      ...summarizeUserAgents(
        rows.audience_levels
          .filter((r) => r.part === 'agent')
          .map((r) => ({
            userAgent: str(r.label),
          userId: r.user_id === null ? null : num(r.user_id),
          plays: num(r.plays),
          users: num(r.users),
        })),
      ),
    },
    operations: {
      runs: rows.operations_runs.map((r) => {
        const summary = parseSummary(r.summary);
        const window = r.window_start === null ? 'all files' : r.window_start === r.window_end ? str(r.window_start) : `${str(r.window_start)} … ${str(r.window_end)}`;
        // '' marks the runs that were there when the column was added (sql/schema/etl_runs_report_error.sql).
        const reportRecorded = reportErrorColumn && r.report_error !== '';
        return {
          runId: str(r.run_id),
          window,
          startedAt: strOrNull(r.started_at),
          eventsStaged: summary.staging?.events?.recordsStaged ?? 0,
          songsStaged: summary.staging?.songs?.recordsStaged ?? 0,
          plays: summary.matches?.plays ?? 0,
          rejected: summary.rejected?.count ?? 0,
          reportError: reportRecorded ? strOrNull(r.report_error) : null,
          reportRecorded,
        };
      }),
      rejected: rows.operations_rejected.map((r) => ({
        runId: str(r.run_id),
        kind: str(r.kind),
        records: num(r.records),
        startedAt: strOrNull(r.started_at),
      })),
      quality: rows.operations_quality.map((r) => ({
        runId: str(r.run_id),
        startedAt: strOrNull(r.started_at),
        passed: num(r.passed),
        warned: num(r.warned),
        failed: num(r.failed),
      })),
    },
  };
}
