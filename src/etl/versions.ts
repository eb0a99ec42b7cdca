/**
 * What a warehouse records about the releases that built it: the version of its tables
 * (etl_schema_version) and, with every run that completed, the version of the rules that staged
 * and published its files (etl_run_rules). Plain data: workflow-safe.
 */

/**
 * The rules that decide which rows a source file puts in the star tables: its staging (sql/staging/,
 * src/staging/), text repair and the publishes (sql/transform/). Bump it in the commit that changes
 * what a loaded file gives, and say here what changed: song files loaded under an older version
 * are staged again by the next run, and `backfill --only-stale` re-runs the dates whose logs were
 * (docs/operations.md, "Upgrading a warehouse"). test/unit/rulesVersion.test.ts holds a digest of
 * the rule-bearing files and fails when one changes.
 *
 * 0: files loaded before the version was recorded (their run has no row in etl_run_rules). Rules changed since
 *    without a record: text tie-breaks by bytes (3c7f786), a leading U+FEFF kept on DuckDB
 *    (b8a7860), songs and their match keys from one version of a song (79ab8ec), users with a
 *    level outside free/paid rejected (da36903).
 * 1: the first recorded version (the rules as of 106add0).
 * 2: a play left without a song gets one when a later run publishes a song that fits it
 *    (sql/transform/unmatched_plays.sql); dates loaded before are re-run by `backfill --only-stale`,
 *    which lists their plays without a song. Songs and artists are picked from each song file's
 *    own versions (etl_song_file_songs, etl_song_file_artists), so a file staged again replaces
 *    what it gave; staging every song file loaded before once fills those tables.
 *    Of an event staged twice with levels 'free' and 'paid', songplays keeps the 'paid' copy, as
 *    users does for a user's latest event (songplays took the copy with the smaller md5).
 *    Users from each log's contribution per user (etl_user_logs), which a run of the log replaces:
 *    a corrected log no longer keeps the state it gave before, and a user whose plays are gone from
 *    every log leaves users.
 *    A user's names and gender from their latest event that names them (an event without names, on
 *    a page like Settings, made them NULL).
 * 3: a play's id (songplay_id) hashes its user as the whole number users has: userId "007" and "7" of
 *    one event are one play of user 7 (they were two, the id hashing the trimmed text), and a
 *    zero-padded userId's play has the id of the unpadded one.
 */
export const RULES_VERSION = 3;

/**
 * The warehouse's tables (sql/schema/). Bump it when a release adds or changes one in a way an older
 * release must not write to: a release refuses a warehouse whose recorded version (etl_schema_version)
 * is newer than its own, and createSchema upgrades an older one in place.
 *
 * 0: built before the version was recorded (no etl_schema_version row).
 * 1: etl_schema_version, etl_run_rules and etl_publishing_runs.
 * 2: etl_unmatched_plays, the plays without a song, which every songplays publish keeps listed: a
 *    release before it would publish plays without listing them, and a song arriving later would
 *    not match them. etl_song_file_songs and etl_song_file_artists (sql/schema/etl_song_files.sql),
 *    which every song publish keeps: a release before it would publish songs without replacing
 *    what it wrote.
 *    etl_user_logs and etl_user_log_dates, each event log's contribution per user, which users is
 *    derived from (etl_user_state, the single state per user before, stands for the logs loaded
 *    before until they are re-run); a release of version 1 would leave them out of date.
 *    etl_runs.report_error (why a run's report was not written) came later without a bump: it only
 *    informs, nothing the pipeline computes reads it, and a release before it leaves it NULL on its
 *    own runs. createSchema adds it in place (src/ledger/addedColumns.ts).
 *    etl_unknown_runs (the runs Temporal did not know, counted by each run) came later without a
 *    bump: it only informs (the log, `sparkify runs cleanup`, doctor); a release before it does not
 *    count, which leaves a count low, never a table wrong. createSchema creates it in place.
 *    etl_abandoned_runs.reason (an operator's, `sparkify runs cleanup --abandon`) came later without
 *    a bump: it only informs, and a release before it leaves it NULL on the rows it writes, which
 *    Temporal reported. createSchema adds it in place (src/ledger/addedColumns.ts).
 * 3: on PostgreSQL, staging_events is partitioned by run (sql/schema/staging_events.sql): a run
 *    stages into a partition of its own, which it attaches first (src/warehouse/stagingPartitions.ts).
 *    A release before it would COPY into staging_events with no partition for its run, and fail;
 *    createSchema moves a version 2 warehouse's staged rows into a partition per run. DuckDB and
 *    Redshift tables are unchanged.
 */
export const SCHEMA_VERSION = 3;
