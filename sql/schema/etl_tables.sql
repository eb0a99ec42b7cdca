-- The pipeline's own bookkeeping, beside the star schema (prefix etl_).

-- etl_runs: one row per run (the run id is the workflow id), with its summary as JSON text, and
-- why its insights report was not written (report_error, NULL when it was; '' when not recorded: the
-- runs of a warehouse of an earlier release, which gets the column from
-- sql/schema/etl_runs_report_error.sql).
CREATE TABLE IF NOT EXISTS etl_runs (
  run_id        {{text}} NOT NULL,
  window_start  {{text}},
  window_end    {{text}},
  source        {{text}},
  status        {{text}},
  started_at    TIMESTAMP,
  finished_at   TIMESTAMP,
  summary       {{text}},
  report_error  {{text}}
);

-- etl_run_files: the source files a run listed and loads: exactly these, nothing more.
CREATE TABLE IF NOT EXISTS etl_run_files (
  run_id     {{text}} NOT NULL,
  kind       {{text}} NOT NULL,
  source_key {{text}} NOT NULL,
  etag       {{text}},
  size       BIGINT
);

-- etl_rejected_records: source records that could not be staged, with the reason (never dropped).
CREATE TABLE IF NOT EXISTS etl_rejected_records (
  run_id      {{text}} NOT NULL,
  kind        {{text}} NOT NULL,
  source_key  {{text}},
  source_line INTEGER,
  reason      {{text}},
  raw         {{text}}
);

-- etl_quality_results: one row per quality check per run.
CREATE TABLE IF NOT EXISTS etl_quality_results (
  run_id        {{text}} NOT NULL,
  check_name    {{text}} NOT NULL,
  severity      {{text}} NOT NULL,
  status        {{text}} NOT NULL,
  failing_count BIGINT,
  sample_keys   {{text}},
  description   {{text}}
);

-- etl_text_repairs: the run's distinct free-text values with their repaired form and the key
-- song matching compares (repair and case folding happen once, in the worker, so every engine
-- gets the same answer).
CREATE TABLE IF NOT EXISTS etl_text_repairs (
  run_id    {{text}} NOT NULL,
  kind      {{text}} NOT NULL,
  raw       {{text}} NOT NULL,
  repaired  {{text}},
  match_key {{text}}
);

-- etl_song_keys: one row per song_id: what plays are matched against, raw (strict rule) and
-- repaired (tolerant rule).
CREATE TABLE IF NOT EXISTS etl_song_keys (
  song_id         {{text}} NOT NULL,
  artist_id       {{text}},
  title_raw       {{text}},
  artist_name_raw {{text}},
  title_key       {{text}},
  artist_key      {{text}},
  duration        DOUBLE PRECISION
);

-- etl_user_logs: one row per user id and event log with events of theirs (the log by the date its
-- name holds): the user's latest event in that log (by ts, then item in session, then 'paid' over
-- 'free') and its level, the latest event there that names them (name_ts NULL: none does) and its
-- names and gender, and whether the log has a play of theirs (has_play 1). A run replaces its
-- logs' rows; users is derived from them (sql/transform/users.sql), whatever order dates are loaded in.
CREATE TABLE IF NOT EXISTS etl_user_logs (
  user_id    INTEGER NOT NULL,
  log_date   {{text}} NOT NULL,
  last_ts    BIGINT NOT NULL,
  last_item  INTEGER,
  level      {{text}},
  name_ts    BIGINT,
  name_item  INTEGER,
  first_name {{text}},
  last_name  {{text}},
  gender     {{text}},
  has_play   INTEGER NOT NULL
);

-- etl_user_log_dates: one row per event log (by date) whose contributions etl_user_logs holds,
-- whether or not it has user events.
CREATE TABLE IF NOT EXISTS etl_user_log_dates (
  log_date {{text}} NOT NULL
);

-- etl_user_state: one row per user id: the user's latest event over the logs loaded before
-- etl_user_logs existed (schema version 1), which users was derived from then. It stands for those
-- logs until every event log of the ledger has its rows in etl_user_logs (`backfill --only-stale`
-- re-runs them), and then goes (sql/transform/users.sql). No run writes it any more.
CREATE TABLE IF NOT EXISTS etl_user_state (
  user_id    INTEGER NOT NULL,
  last_ts    BIGINT NOT NULL,
  last_item  INTEGER,
  level      {{text}},
  first_name {{text}},
  last_name  {{text}},
  gender     {{text}}
);

-- etl_match_stats: one row per run: how its plays matched songs (plays, by the strict textbook
-- rule, by the repaired rule), counted by the songplays publish in its transaction.
CREATE TABLE IF NOT EXISTS etl_match_stats (
  run_id           {{text}} NOT NULL,
  plays            BIGINT,
  strict_matches   BIGINT,
  repaired_matches BIGINT
);

-- etl_load_ledger: one row per source file whose records are published in the star tables: the
-- ETag and size it had, the records staged and rejected, the run and when. Written in the same
-- transaction as the run's songplays publish. A song file is staged again when its ETag changes or
-- it was loaded under older rules (etl_run_rules, sql/schema/etl_versions.sql);
-- `backfill --only-missing` skips dates whose event log is here.
CREATE TABLE IF NOT EXISTS etl_load_ledger (
  kind       {{text}} NOT NULL,
  source_key {{text}} NOT NULL,
  etag       {{text}},
  size       BIGINT,
  records    BIGINT,
  rejects    BIGINT,
  run_id     {{text}} NOT NULL,
  loaded_at  TIMESTAMP
);

-- etl_publishing_runs: one row per run whose publish has begun (written before its first publish)
-- and whose check step has not started (which removes it): its star tables may be half published,
-- its plays before its users and times. A run that fails or is cancelled in between removes its row
-- as it fails (recordFailedRun, src/activities/clearStaging.ts); a terminated or timed-out one's
-- row is removed by the next run (src/ledger/abandonedRuns.ts), and ignored past its lifetime. Read by the reference checks of the other runs
-- (src/activities/publishingRuns.ts).
CREATE TABLE IF NOT EXISTS etl_publishing_runs (
  run_id     {{text}} NOT NULL,
  started_at TIMESTAMP
);
