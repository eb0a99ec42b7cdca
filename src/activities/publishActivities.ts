/**
 * The steps that build the star tables from the staged data: the text repair, then one SQL file
 * per star table (sql/transform/), each published in one transaction.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../errors';
import { ETL_DAG } from '../etl/dag';
import type { MatchStats, RepairResult, RunRef } from '../etl/types';
import { uniqueEnforcedByIndex } from '../quality/runner';
import { eventLogDate } from '../source/layout';
import { engineSqlName, engineTraits } from '../warehouse/engineTraits';
import { sqlStatement, sqlStatements, type SqlName, type SqlParam } from '../warehouse/sql';
import { isUniqueViolation, SqlError } from '../warehouse/errors';
import type { Dialect, Warehouse } from '../warehouse/types';
import { slowStatementSeconds } from '../config';
import type { Logger } from '../log';
import type { ActivityDeps } from './deps';
import { fencedOutFailure, fenceCurrentAttempt, isFencedOut } from './fence';
import { activitySignal, activityStatementOptions, whileHeartbeating } from './heartbeat';
import { listedKeys, recordLedgerStatements } from './ledger';
import { lockStatements, publishQueueTables, serializedPublish } from './publishLock';
import { markPublishingStatements } from './publishingRuns';
import { awaitSongplaysSerialPart, withSongplaysSerialPart } from './songplaysSerialPart';
import { statementTimeLog } from './slowStatements';
import { storeRepairedText } from './textRepairRows';

type PublishStep = 'loadSongs' | 'loadArtists' | 'loadUsers' | 'loadTime' | 'loadSongplays';

/** The transform each publish step runs (sql/transform/); the tables it writes are the DAG's (src/etl/dag.ts). */
export const PUBLISH_TRANSFORMS = {
  loadSongs: 'transform/songs',
  loadArtists: 'transform/artists',
  loadUsers: 'transform/users',
  loadTime: 'transform/time',
  loadSongplays: 'transform/songplays',
} as const satisfies Record<PublishStep, string>;

/**
 * The transform `step` runs on `dialect`: the engine's own form where it has one (DuckDB publishes
 * the plays straight from staging: sql/transform/duckdb/songplays.sql, engineTraits.ts).
 */
export function publishTransform(step: PublishStep, dialect: Dialect): SqlName {
  return engineSqlName(PUBLISH_TRANSFORMS[step], dialect);
}

/** What a publish runs besides its transform, and who watches its statements. */
interface PublishExtras {
  /** Statements before the transform, after the locks and settings, in its transaction. */
  before?: string[];
  /** Statements after the transform, in its transaction (the ledger's). */
  after?: string[];
  /** Called before each statement runs, with all of them and the index of the next. */
  beforeStatement?: (statements: readonly string[], index: number) => void;
  /** The warehouse's error as it came, for a caller that acts on it; otherwise the step's failure naming the file. */
  rawErrors?: boolean;
  /** Where its slow statements are logged (slowStatements.ts), with the run. */
  log?: { logger: Logger; runId: string };
}

/**
 * Runs a publish step's SQL file and names it in the error, so a failure says where the SQL lives.
 * SQL errors are not retried: running the same statement again would fail the same way.
 */
async function publish(warehouse: Warehouse, step: PublishStep, params: Record<string, SqlParam>, extras: PublishExtras = {}): Promise<void> {
  // Publishes of different dates may run at once: each locks the tables it writes first (publishLock.ts).
  const writes = ETL_DAG[step].writes;
  await runPublishSql(warehouse, publishTransform(step, warehouse.dialect), params, { ...extras, locks: lockStatements(warehouse, writes), writes });
}

/**
 * Where the songplays publish's serial part begins in its statements: the statement after the
 * one that writes publish_songplays (sql/transform/songplays.sql) and the settings put back after it,
 * from which on PostgreSQL every statement is an insert, delete or drop that runs in one backend. -1
 * when there is no such table (DuckDB's own file).
 */
export function songplaysSerialPartStart(statements: readonly string[]): number {
  const written = statements.findIndex((sql) => /\bpublish_songplays\s+AS\b/i.test(sql));
  if (written < 0) return -1;
  let start = written + 1;
  while (start < statements.length && /^SET\b/i.test(statements[start].replace(/^\s*(?:--[^\n]*\n\s*)*/, ''))) start++;
  return start;
}

/**
 * One SQL file in one transaction behind the attempt's fence (a superseded attempt cannot commit:
 * fence.ts), after `locks` and the publish settings, after the earlier publishes that write one of
 * `writes` where the engine needs it (none given, or an engine whose publishes take turns: after
 * every earlier publish).
 */
async function runPublishSql(
  warehouse: Warehouse,
  name: SqlName,
  params: Record<string, SqlParam>,
  { locks = [], before = [], after = [], writes, beforeStatement, rawErrors = false, log }: PublishExtras & { locks?: string[]; writes?: readonly string[] } = {},
): Promise<void> {
  try {
    const fence = await fenceCurrentAttempt(warehouse);
    const statements = [...fence, ...locks, ...publishSettings(warehouse.dialect, name), ...before, ...sqlStatements(name, warehouse.dialect, params), ...after];
    const options = {
      ...activityStatementOptions(),
      key: `sql/${name}`,
      ...(beforeStatement ? { beforeStatement: (index: number) => beforeStatement(statements, index) } : {}),
      ...(log ? { statementDone: statementTimeLog(log.logger, `sql/${name}.sql`, statements, slowStatementSeconds(), { runId: log.runId }) } : {}),
    };
    await whileHeartbeating({ sql: name }, () => serializedPublish(warehouse, () => warehouse.execute(statements, options), publishQueueTables(warehouse, writes)));
  } catch (err) {
    throw rawErrors ? err : asSqlFailure(err, name);
  }
}

/**
 * Settings for the publish transaction running `name`, the engine's (engineTraits.ts): on
 * PostgreSQL sorts and hashes get room to run in memory, and the songplays publish's passes over
 * every play run on parallel workers.
 */
export function publishSettings(dialect: Dialect, name: SqlName): string[] {
  const traits = engineTraits(dialect);
  const songplays = name === publishTransform('loadSongplays', dialect) ? traits.songplaysPublishSettings : [];
  return [...traits.publishSettings, ...songplays].flatMap((settings) => sqlStatements(settings, dialect));
}

function asSqlFailure(err: unknown, name: string): unknown {
  if (isFencedOut(err)) return fencedOutFailure(err);
  if (err instanceof SqlError) return ApplicationFailure.nonRetryable(`sql/${name}.sql failed: ${err.message}`, ERROR_TYPES.sql);
  return err;
}

/**
 * Where the engine builds songplays' key after a first load's rows (engineTraits.ts) and songplays
 * holds no row: the statements the songplays publish runs first (the key dropped) and last (built
 * again). Null otherwise: the plays are written into the keyed table, in key order.
 */
export async function songplaysFirstLoad(warehouse: Warehouse): Promise<{ before: string[]; after: string[] } | null> {
  const sql = engineTraits(warehouse.dialect).songplaysKeyAfterFirstLoad;
  if (sql === null) return null;
  const [row] = await warehouse.query(sqlStatement(sql.empty, warehouse.dialect), { signal: activitySignal() });
  if (row?.empty !== true) return null;
  return { before: sqlStatements(sql.drop, warehouse.dialect), after: sqlStatements(sql.build, warehouse.dialect) };
}

/**
 * How long the time publish waits for the songplays publish the workflow started with it to begin
 * in this process (both are scheduled at once; one may reach the worker a moment before the other).
 */
const SONGPLAYS_START_WITHIN_MS = 1000;

/** The tables matchLatePlays writes: the late matches, and the listing of plays without a song. */
export const LATE_MATCH_WRITES = ['songplays', 'etl_songplay_names', 'etl_unmatched_plays'] as const;

/**
 * Lists the run's plays its songplays publish left without a song, and gives every listed play (of
 * any run) that a song of this run, or of a run that published since this one read the keys, now
 * fits its song (sql/transform/unmatched_plays.sql). Its own transaction after the publish (on
 * Redshift the publish's batch is full), behind the same locks: a songplays publish locks its
 * tables before it reads the song keys, so this waits for any publish that read them before this
 * run's songs were in, and then finds its plays listed.
 */
async function matchLatePlays(warehouse: Warehouse, params: Record<string, SqlParam>, log: PublishExtras['log']): Promise<void> {
  await runPublishSql(warehouse, 'transform/unmatched_plays', params, { locks: lockStatements(warehouse, LATE_MATCH_WRITES), writes: LATE_MATCH_WRITES, log });
}

/**
 * The run's distinct free-text values into etl_text_repairs (sql/transform/text_candidates.sql), in
 * one fenced transaction with the publish settings, so PostgreSQL can hash them at any size. The
 * run's first publish step: the same transaction marks the run as publishing (publishingRuns.ts),
 * for the other runs' reference checks.
 */
async function gatherTextCandidates(warehouse: Warehouse, runId: string, log: PublishExtras['log']): Promise<void> {
  // PostgreSQL gathers them on several cores (sql/transform/postgres/text_candidates.sql says how).
  await runPublishSql(warehouse, engineSqlName('transform/text_candidates', warehouse.dialect), { run_id: runId }, { after: markPublishingStatements(warehouse, runId, new Date()), log });
}

/**
 * The days a run replaces: the dates of the event logs in its file list, for a window as for every
 * file. A date of the window without a log keeps what was published for it, so a wrong source, a
 * log not there yet or an empty listing cannot empty the warehouse; an empty log does replace its
 * date.
 */
async function replacedDays(warehouse: Warehouse, runId: string): Promise<string[]> {
  const dates = new Set<string>();
  for await (const key of (await listedKeys(warehouse, runId, 'events')).read()) {
    const date = eventLogDate(key);
    if (date !== undefined) dates.add(date);
  }
  return [...dates];
}

/**
 * The day parameters of the users publish and of the late matches: the run's days, and its first and
 * last (for users, where an event of a log that names no file counts when its own day is not one of
 * them; for the late matches, the bounds of their reads by start time).
 */
export function usersDays(days: readonly string[]): Record<'days' | 'first_day' | 'last_day', SqlParam> {
  const sorted = [...days].sort();
  return sorted.length > 0 ? { days: sorted, first_day: sorted[0], last_day: sorted[sorted.length - 1] } : { days: null, first_day: null, last_day: null };
}

/** songplays' key (sql/schema/songplays.sql), whose refusal of a play id says the run staged an event more than once. */
const SONGPLAYS_KEY = { kind: 'unique', table: 'songplays', column: 'songplay_id' } as const;

export function createPublishActivities({ resources, log }: ActivityDeps) {
  const warehouseFor = (ref: { warehouse: string }) => resources.warehouse(ref.warehouse);
  const slowLog = (ref: RunRef) => ({ logger: log, runId: ref.runId });

  return {
    /**
     * Repairs the run's distinct free-text values once, in the worker, for every engine alike: the
     * warehouse gathers them into etl_text_repairs (a set-based pass over the run's staging), the
     * worker reads them back a page at a time, repairs them and replaces them with their repaired form
     * and match key (src/activities/textRepairRows.ts).
     */
    async repairText(ref: RunRef): Promise<RepairResult> {
      const warehouse = await warehouseFor(ref);
      await gatherTextCandidates(warehouse, ref.runId, slowLog(ref));
      return storeRepairedText(warehouse, ref.runId);
    },

    async loadSongs(ref: RunRef): Promise<void> {
      await publish(await warehouseFor(ref), 'loadSongs', { run_id: ref.runId }, { log: slowLog(ref) });
    },

    async loadArtists(ref: RunRef): Promise<void> {
      await publish(await warehouseFor(ref), 'loadArtists', { run_id: ref.runId }, { log: slowLog(ref) });
    },

    /**
     * Replaces each user's contributions from the run's logs (the days loadSongplays replaces) and
     * publishes the users whose contributions changed (sql/transform/users.sql).
     */
    async loadUsers(ref: RunRef): Promise<void> {
      const warehouse = await warehouseFor(ref);
      await publish(warehouse, 'loadUsers', { run_id: ref.runId, ...usersDays(await replacedDays(warehouse, ref.runId)) }, { log: slowLog(ref) });
    },

    /**
     * Publishes the start times of the run's plays and drops those of its replaced days that none
     * of its plays has (the days loadSongplays replaces).
     */
    async loadTime(ref: RunRef): Promise<void> {
      const warehouse = await warehouseFor(ref);
      if (engineTraits(warehouse.dialect).timePublishWaitsFor === 'songplays serial part') {
        // Started with the songplays publish (src/workflows/etl.ts): its INSERT takes the core the
        // publish's serial part leaves, not one of its parallel passes' (songplaysSerialPart.ts).
        await awaitSongplaysSerialPart(ref.runId, SONGPLAYS_START_WITHIN_MS);
      }
      const days = await replacedDays(warehouse, ref.runId);
      await publish(warehouse, 'loadTime', { run_id: ref.runId, days: days.length > 0 ? days : null }, { log: slowLog(ref) });
    },

    /**
     * Publishes the run's plays, replacing its days, and records its files in the load ledger in
     * the same transaction; then matches the plays left without a song that a song now fits
     * (matchLatePlays), and reports how the run's plays matched songs when published.
     */
    async loadSongplays(ref: RunRef & { durationTolerance: number }): Promise<MatchStats> {
      const warehouse = await warehouseFor(ref);
      const days = await replacedDays(warehouse, ref.runId);
      const firstLoad = await songplaysFirstLoad(warehouse);
      const summaries = engineTraits(warehouse.dialect).playTimeSummaries;
      const before = [...(summaries === null ? [] : sqlStatements(summaries, warehouse.dialect)), ...(firstLoad?.before ?? [])];
      const params = { run_id: ref.runId, duration_tolerance: ref.durationTolerance, days: days.length > 0 ? days : null, key_built_after: firstLoad !== null };
      // The run's level-changes query waits for the publish's serial part (songplaysSerialPart.ts).
      const publishPlays = (copiesCounted: boolean) =>
        withSongplaysSerialPart(ref.runId, (reached) => {
          let serialStart: number | undefined;
          return publish(
            warehouse,
            'loadSongplays',
            { ...params, copies_counted: copiesCounted },
            {
              before,
              after: [...(firstLoad?.after ?? []), ...recordLedgerStatements(warehouse, ref.runId, new Date())],
              beforeStatement: (statements, index) => {
                serialStart ??= songplaysSerialPartStart(statements);
                if (index === serialStart) reached();
              },
              rawErrors: true,
              log: slowLog(ref),
            },
          );
        });
      // Where songplays' key refuses a play id given twice, the run's events staged more than once
      // (usually none) are left to it, and counted only when it refuses one (engineTraits.ts); not
      // where the key is gone (an operator's change): nothing would refuse them then.
      const copiesLeftToKey = engineTraits(warehouse.dialect).copiesFoundByKey && (await uniqueEnforcedByIndex(warehouse, SONGPLAYS_KEY, activitySignal()));
      try {
        try {
          await publishPlays(!copiesLeftToKey);
        } catch (err) {
          if (!copiesLeftToKey || !isUniqueViolation(err, SONGPLAYS_KEY.table)) throw err;
          log.info({ runId: ref.runId }, "the run staged an event more than once (songplays' key refused a play id twice): publishing the plays again, with its copies counted");
          await publishPlays(true);
        }
      } catch (err) {
        throw asSqlFailure(err, publishTransform('loadSongplays', warehouse.dialect));
      }
      // The summary's counts read what the publish committed (etl_match_stats) and the run's staging,
      // nothing the late matches write: asked beside them (the plays without a user are a pass over
      // the run's staging, 1.2 s at 8M events on PostgreSQL, in a backend of its own).
      const signal = activitySignal();
      const count = (name: SqlName) => warehouse.query(sqlStatement(name, warehouse.dialect, { run_id: ref.runId }), { signal });
      const [[stats], [anonymous]] = await Promise.all([count('stats/match_stats'), count('stats/plays_without_user'), matchLatePlays(warehouse, { ...params, ...usersDays(days) }, slowLog(ref))]);
      const plays = Number(stats.plays);
      const repairedMatches = Number(stats.repaired_matches);
      return {
        plays,
        strictMatches: Number(stats.strict_matches),
        repairedMatches,
        matchRate: plays === 0 ? 0 : repairedMatches / plays,
        playsWithoutUser: Number(anonymous.plays_without_user),
      };
    },
  };
}
