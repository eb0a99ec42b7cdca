/**
 * Data-quality checks, declared as data in one place (as dbt declares tests next to its models).
 * `src/quality/runner.ts` turns each rule into SQL or a comparison of run statistics.
 */

import { RUN_DEFAULTS } from '../defaults';
import { STAR_TABLES } from '../etl/dag';
// The check types are plain data that crosses the workflow boundary, so they live with the ETL's types.
import type { CheckDefinition, CheckRule, Severity } from '../etl/checkTypes';

export type { CheckDefinition, CheckRule, Severity };

/** Each star table's key: what failing rows are named by in check results. */
export const TABLE_KEYS: Record<string, string> = {
  songplays: 'songplay_id',
  users: 'user_id',
  songs: 'song_id',
  artists: 'artist_id',
  time: 'start_time',
};

function keyChecks(table: string): CheckDefinition[] {
  const column = TABLE_KEYS[table];
  return [
    {
      name: `${table}.${column} not null`,
      severity: 'error',
      description: `every ${table} row has a ${column}`,
      rule: { kind: 'not_null', table, column },
    },
    {
      name: `${table}.${column} unique`,
      severity: 'error',
      description: `no two ${table} rows share a ${column}`,
      rule: { kind: 'unique', table, column },
    },
  ];
}

/** The declared reconciliation check of a staging table (the run summary reads its result). */
export function stagingReconciliationCheckName(table: 'staging_events' | 'staging_songs'): string {
  return `${table} reconciles with source`;
}

export interface CheckOptions {
  /** Below this share of matched plays, a warning. */
  matchRateWarnBelow: number;
  /** An empty or missing day fails the run instead of warning. */
  failOnEmpty: boolean;
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = { matchRateWarnBelow: RUN_DEFAULTS.matchRateWarnBelow, failOnEmpty: RUN_DEFAULTS.failOnEmpty };

export function qualityChecks(options: CheckOptions = DEFAULT_CHECK_OPTIONS): CheckDefinition[] {
  return [
    ...STAR_TABLES.flatMap(keyChecks),
    {
      name: 'songplays.user_id in users',
      severity: 'error',
      description: "every songplay's user_id is a user",
      rule: { kind: 'references', table: 'songplays', column: 'user_id', refTable: 'users', refColumn: 'user_id' },
    },
    {
      name: 'songplays.start_time in time',
      severity: 'error',
      description: "every songplay's start_time is in time",
      rule: { kind: 'references', table: 'songplays', column: 'start_time', refTable: 'time', refColumn: 'start_time' },
    },
    {
      name: 'users.level in (free, paid)',
      severity: 'error',
      description: "every user's level is free or paid",
      rule: { kind: 'accepted_values', table: 'users', column: 'level', values: ['free', 'paid'] },
    },
    {
      name: 'songplays.level in (free, paid)',
      severity: 'error',
      description: "every songplay's level is free or paid",
      rule: { kind: 'accepted_values', table: 'songplays', column: 'level', values: ['free', 'paid'] },
    },
    {
      name: stagingReconciliationCheckName('staging_events'),
      severity: 'error',
      description: 'events staged by this run = records read - records rejected',
      rule: { kind: 'staging_reconciliation', table: 'staging_events' },
    },
    {
      name: stagingReconciliationCheckName('staging_songs'),
      severity: 'error',
      description: 'songs staged by this run = records read - records rejected',
      rule: { kind: 'staging_reconciliation', table: 'staging_songs' },
    },
    {
      name: 'song match rate',
      severity: 'warn',
      description: `at least ${options.matchRateWarnBelow * 100}% of this run's plays matched a song`,
      rule: { kind: 'match_rate', min: options.matchRateWarnBelow },
    },
    {
      name: 'run has events',
      severity: options.failOnEmpty ? 'error' : 'warn',
      description: 'this run found at least one event to load (an empty or missing day otherwise)',
      rule: { kind: 'run_has_events' },
    },
    {
      name: 'no plays under another spelling',
      severity: 'warn',
      description: "no event of this run has a page that reads NextSong but for case or spaces ('nextsong', ' NextSong'): those are staged, and are not plays",
      rule: { kind: 'pages_like_next_song' },
    },
  ];
}
