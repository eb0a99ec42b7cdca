/**
 * Every file under sql/, by the name the code uses (`transform/songs` for sql/transform/songs.sql).
 * Kept by hand, checked against the folder by test/unit/sqlNames.test.ts: a file renamed or
 * removed without its name here (and every use of it) fails that test and the build, never a run.
 */
export const SQL_NAMES = [
  'bench/duckdb_export_staging',
  'bench/duckdb_stage',
  'bench/postgres_analyze',
  'bench/postgres_copy_events',
  'bench/postgres_copy_songs',
  'bench/star',
  'doctor/probe',
  'etl/clear_quality_results',
  'etl/clear_staging_expired',
  'etl/clear_text_repairs',
  'etl/fence_check',
  'etl/fence_claim',
  'etl/list_forget_run_files',
  'etl/postgres/fence_claim_lock',
  'etl/record_run',
  'etl/run_file_bytes',
  'etl/run_file_keys',
  'insights/activity_by_hour',
  'insights/activity_by_weekday',
  'insights/activity_daily',
  'insights/audience_locations',
  'insights/audience_user_agents',
  'insights/content_match_daily',
  'insights/content_played_artists',
  'insights/content_played_songs',
  'insights/content_top_artists',
  'insights/content_top_songs',
  'insights/engagement_plays_per_session',
  'insights/engagement_session_lengths',
  'insights/engagement_sessions_per_user',
  'insights/engagement_summary',
  'insights/engagement_top_users',
  'insights/operations_quality',
  'insights/operations_rejected',
  'insights/operations_runs',
  'insights/revenue_level_changes',
  'insights/revenue_level_share',
  'insights/revenue_plays_daily',
  'ledger/exists',
  'ledger/forget_skipped_files',
  'ledger/loaded_events',
  'ledger/loaded_songs',
  'ledger/record',
  'ledger/skipped_files_table',
  'schema/artists',
  'schema/etl_attempt_fence',
  'schema/etl_file_counts',
  'schema/etl_tables',
  'schema/songplays',
  'schema/songs',
  'schema/staging_events',
  'schema/staging_songs',
  'schema/time',
  'schema/users',
  'staging/analyze_events',
  'staging/analyze_songs',
  'staging/clear_events',
  'staging/clear_songs',
  'staging/drop_parsed_rows',
  'staging/duckdb/check_events',
  'staging/duckdb/check_songs',
  'staging/duckdb/drop_work_tables',
  'staging/duckdb/extract_events',
  'staging/duckdb/extract_songs',
  'staging/duckdb/insert_events',
  'staging/duckdb/insert_songs',
  'staging/duckdb/next_chunk',
  'staging/duckdb/raw_lines',
  'staging/insert_parsed_events',
  'staging/insert_parsed_songs',
  'staging/parsed_events',
  'staging/parsed_songs',
  'staging/reject_samples',
  'staging/staged_counts',
  'stats/match_stats',
  'stats/plays_without_user',
  'stats/table_counts',
  'transform/artists',
  'transform/songplays',
  'transform/songs',
  'transform/text_candidates',
  'transform/time',
  'transform/users',
] as const;

export type SqlName = (typeof SQL_NAMES)[number];

/**
 * What a SQL file's name may be at a call: a literal (or union of literals) must be a SqlName, so
 * naming a file that doesn't exist is a compile error; a name only known at run time (a `string`,
 * or a pattern such as `insights/${string}`) passes here and is checked when read (readSqlFile).
 */
export type SqlNameArg<T extends string> = T & (T extends SqlName ? T : {} extends Record<T, true> ? T : never);

const NAMES: ReadonlySet<string> = new Set(SQL_NAMES);

export function isSqlName(name: string): name is SqlName {
  return NAMES.has(name);
}
