import { CancellationScope, defineQuery, isCancellation, log, patched, proxyActivities, setHandler, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import { checkWorkflowInput, etlInputShape } from './inputs';
import type { CheckResult, EtlInput, ListedFiles, RunProgress, RunRef, RunSummary, StageResult, StepProgress } from '../etl/types';
import type { LevelChange } from '../insights/queries';
import { withRunAlerts } from '../notify/workflow';
import { Branches } from './branches';
import { bothListingParts, withFilesSkippedInStaging } from '../etl/listedFiles';
import { rootMessage } from '../etl/failures';

import { FAILURE_RECORD_ATTEMPTS, RETRY_INTERVAL_MAX_MS, RUN_DEFAULTS, STEP_ATTEMPTS, STEP_TIMEOUT_MS } from '../defaults';
import { ETL_DAG, type DagStep } from '../etl/dag';
import { NON_RETRYABLE_ERROR_TYPES as NON_RETRYABLE } from '../errors';

/**
 * Every activity heartbeats every few seconds while it runs (activities/heartbeat.ts), so a
 * worker killed mid-step is noticed after this long and the step retried on another worker:
 * a step resumes within a minute of a kill (timeout + first retry interval + a poll).
 */
export const HEARTBEAT_TIMEOUT = '20 seconds';
/**
 * Retries back off up to this and no further: a step whose worker was killed several times in a
 * row still resumes within a minute (timeout + this). More attempts keep the total retry time
 * (about 2 minutes for quick steps, 10 for loads) for outages such as a warehouse restart.
 */
const RETRY_AT_MOST_EVERY = RETRY_INTERVAL_MAX_MS;

// Quick bookkeeping: schema, listing, text repair, checks, summary.
const QUICK: ActivityOptions = {
  startToCloseTimeout: STEP_TIMEOUT_MS.quick,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: RETRY_AT_MOST_EVERY, maximumAttempts: STEP_ATTEMPTS.quick, nonRetryableErrorTypes: NON_RETRYABLE },
};
const quick = proxyActivities<Activities>(QUICK);

// Long loads: staging and publishing can take hours on a big window; they heartbeat as they go.
const LOADS: ActivityOptions = {
  startToCloseTimeout: STEP_TIMEOUT_MS.loads,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: RETRY_AT_MOST_EVERY, maximumAttempts: STEP_ATTEMPTS.loads, nonRetryableErrorTypes: NON_RETRYABLE },
};
const loads = proxyActivities<Activities>(LOADS);

// A failed run's record (recordFailedRun): a few attempts, not the quick steps' ten.
const failureRecord = proxyActivities<Activities>({ ...QUICK, retry: { ...QUICK.retry, maximumAttempts: FAILURE_RECORD_ATTEMPTS } });

/** The activity stubs of a run: the defaults, or with the run's own heartbeat timeout. */
function activityStubs(heartbeatTimeout: Duration | undefined): { quick: typeof quick; loads: typeof loads } {
  if (heartbeatTimeout === undefined) return { quick, loads };
  return {
    quick: proxyActivities<Activities>({ ...QUICK, heartbeatTimeout }),
    loads: proxyActivities<Activities>({ ...LOADS, heartbeatTimeout }),
  };
}

/**
 * patched() id: loadSongplays runs beside loadArtists, loadUsers and loadTime, after loadSongs,
 * instead of after all four (runs recorded before replay the old order).
 */
export const SONGPLAYS_BESIDE_DIMENSIONS = 'songplays-beside-dimensions';
/**
 * patched() id: the report's level changes are queried from staging by a step of their own, beside
 * loadSongplays once loadUsers and loadTime are done, instead of by writeReport after summarizeRun
 * (runs recorded before replay the old order).
 */
export const LEVEL_CHANGES_BESIDE_SONGPLAYS = 'level-changes-beside-songplays';

/**
 * patched() id: loadTime starts with loadSongplays, once loadSongs is done, instead of beside
 * loadSongs (runs recorded before replay the old order).
 */
export const TIME_WITH_SONGPLAYS = 'time-with-songplays';

/**
 * patched() id: the listing runs in two parts, the event logs (listEventFiles, then stageEvents)
 * beside the song files (listSongFiles, then stageSongs), instead of one listSourceFiles before
 * both: staging events no longer waits for the song files to be listed and probed (runs recorded
 * before replay the old order).
 */
export const EVENTS_STAGED_WHILE_SONGS_LISTED = 'events-staged-while-songs-listed';

/**
 * patched() id: a run that fails or is cancelled once it has begun staging records so
 * (recordFailedRun): its staging rows then go with the retention, and its publishing mark at once,
 * so that other runs' failing reference checks no longer wait for it (runs recorded before fail
 * without that step).
 */
export const FAILED_RUN_RECORDED = 'failed-run-recorded';

/**
 * Records the run as failed, even when it was cancelled. A record that cannot be written is logged;
 * the run fails with its own error either way.
 */
async function recordFailedRun(ref: RunRef): Promise<void> {
  await CancellationScope.nonCancellable(() =>
    failureRecord.recordFailedRun(ref).catch((err: unknown) => {
      log.warn(
        "the run failed and could not be recorded as failed: its staging rows stay, and other runs' failing reference checks wait for it, until it runs again",
        { runId: ref.runId, error: rootMessage(err) },
      );
    }),
  );
}

/**
 * patched() id: a report that cannot be written leaves the run completed, the reason in its summary
 * (reportError), instead of failing a run whose tables are published and checked and which
 * etl_runs already records completed (runs recorded before fail as they did).
 */
export const REPORT_FAILURE_KEEPS_RUN_COMPLETED = 'report-failure-keeps-run-completed';

/**
 * patched() id: a report that cannot be written is recorded on the run's etl_runs row
 * (recordReportError, report_error), so that what reads etl_runs does not show a plain completed
 * run (runs recorded before return the reason in their summary only).
 */
export const REPORT_ERROR_RECORDED = 'report-error-recorded';

/**
 * Records why the run's report was not written. A record that cannot be written is logged: the run
 * completes all the same, the reason in its summary.
 */
async function recordReportError(ref: RunRef, reportError: string): Promise<void> {
  await CancellationScope.nonCancellable(() =>
    failureRecord.recordReportError({ ...ref, reportError }).catch((err: unknown) => {
      log.warn('the report was not written, and etl_runs could not record it: only the run summary says so', { runId: ref.runId, reportError, error: rootMessage(err) });
    }),
  );
}

export const progressQuery = defineQuery<RunProgress>('progress');

/**
 * The steps a run's progress reports, in DAG order: the DAG's declared steps (src/etl/dag.ts) but
 * checkStagedData, which runs without a progress entry (it was added under patched(), after runs
 * whose histories have none).
 */
export type EtlStep = Exclude<DagStep, 'checkStagedData'>;
export const ETL_STEPS: readonly EtlStep[] = (Object.keys(ETL_DAG) as DagStep[]).filter((s): s is EtlStep => s !== 'checkStagedData');

/** The run settings' defaults (src/defaults.ts). */
export const DEFAULTS = RUN_DEFAULTS;

/**
 * The ETL DAG for one window (a date, a range, or every file):
 * create schema → (list event logs → stage events) ∥ (list song files → stage songs) → blocking
 * checks on staging → repair text →
 * (load songs → (load songplays ∥ time)) ∥ artists ∥ users, level changes once users and time are
 * published → quality checks →
 * run summary → write report.
 * What each step reads and writes is declared in src/etl/dag.ts (a unit test holds this order to it).
 */
export async function etlRun(input: EtlInput): Promise<RunSummary> {
  checkWorkflowInput('etlRun', etlInputShape, input);
  return withRunAlerts(input.notify, input.window ?? null, () => etlSteps(input));
}

async function etlSteps(input: EtlInput): Promise<RunSummary> {
  const info = workflowInfo();
  const { quick, loads } = activityStubs(input.heartbeatTimeout);
  const startedAt = Date.now();
  const ref: RunRef = { runId: info.runId, source: input.source ?? '', warehouse: input.warehouse ?? '' };
  const steps: Record<string, StepProgress> = Object.fromEntries(ETL_STEPS.map((s) => [s, { status: 'pending' }]));
  setHandler(progressQuery, () => ({
    runId: ref.runId,
    currentSteps: Object.keys(steps).filter((s) => steps[s].status === 'running'),
    steps,
  }));

  async function step<T>(name: EtlStep | 'listSourceFiles', run: () => Promise<T>): Promise<T> {
    const began = Date.now();
    steps[name] = { status: 'running' };
    try {
      const result = await run();
      steps[name] = { status: 'completed', durationMs: Date.now() - began };
      return result;
    } catch (err) {
      steps[name] = { status: 'failed', durationMs: Date.now() - began };
      throw err;
    }
  }

  try {
    const window = input.window ?? null;
    const maxRejectRate = input.maxRejectRate ?? DEFAULTS.maxRejectRate;

    await step('createSchema', () => quick.createSchema(ref));
    let files: ListedFiles;
    let events: StageResult;
    let songs: StageResult;
    const stageEvents = () => step('stageEvents', () => loads.stageEvents({ ...ref, maxRejectRate }));
    const stageSongs = () => step('stageSongs', () => loads.stageSongs({ ...ref, maxRejectRate }));
    if (patched(EVENTS_STAGED_WHILE_SONGS_LISTED)) {
      // Each part's staging reads only its own kind of the run's file list (src/etl/dag.ts).
      const branches = new Branches();
      const eventPart = branches.add(step('listEventFiles', () => quick.listEventFiles({ ...ref, window }))).then((listed) =>
        branches.next('stageEvents', stageEvents).then((staged) => [listed, staged] as const),
      );
      const songPart = branches.add(step('listSongFiles', () => quick.listSongFiles({ ...ref, window }))).then((listed) =>
        branches.next('stageSongs', stageSongs).then((staged) => [listed, staged] as const),
      );
      const [[eventFiles, stagedEvents], [songFiles, stagedSongs]] = await Promise.all([eventPart, songPart]);
      files = bothListingParts(eventFiles, songFiles);
      [events, songs] = [stagedEvents, stagedSongs];
    } else {
      // Runs recorded before the listing ran in two parts replay one listing of both.
      delete steps.listEventFiles;
      delete steps.listSongFiles;
      files = await step('listSourceFiles', () => quick.listSourceFiles({ ...ref, window }));
      [events, songs] = await Promise.all([stageEvents(), stageSongs()]);
    }
    // Blocking checks on the staged data run before any publish (runs recorded before this existed
    // replay without it).
    let stagedChecks: CheckResult[] | undefined;
    if (patched('checks-before-publish')) {
      stagedChecks = await quick.checkStagedData({ ...ref, staging: { events, songs }, failOnEmpty: input.failOnEmpty ?? DEFAULTS.failOnEmpty });
    }
    await step('repairText', () => quick.repairText(ref));
    const publishSongplays = () =>
      step('loadSongplays', () => loads.loadSongplays({ ...ref, durationTolerance: input.durationTolerance ?? DEFAULTS.durationTolerance }));
    let matches: Awaited<ReturnType<typeof publishSongplays>>;
    let levelChanges: LevelChange[] | undefined;
    if (patched(SONGPLAYS_BESIDE_DIMENSIONS)) {
      // loadSongplays matches the song keys loadSongs publishes, and reads nothing the other
      // publishes write (src/etl/dag.ts): it runs beside them once loadSongs is done, unless one
      // of them has failed by then (the run fails with that error either way).
      const branches = new Branches();
      const levelChangesBeside = patched(LEVEL_CHANGES_BESIDE_SONGPLAYS);
      const songs = branches.add(step('loadSongs', () => loads.loadSongs(ref)));
      const songsThenSongplays = songs.then(() => branches.next('loadSongplays', publishSongplays));
      const artists = branches.add(step('loadArtists', () => loads.loadArtists(ref)));
      const users = branches.add(step('loadUsers', () => loads.loadUsers(ref)));
      // The time publish starts with the songplays publish, so that where it waits for the latter's
      // serial part (PostgreSQL: engineTraits.ts) that publish has begun; it reads nothing the
      // songs publish writes.
      const publishTime = () => step('loadTime', () => loads.loadTime(ref));
      const time = patched(TIME_WITH_SONGPLAYS) ? songs.then(() => branches.next('loadTime', publishTime)) : branches.add(publishTime());
      // The level changes read staging only. Started once users and time are published: the
      // songplays publish's last inserts then run on one core (PostgreSQL runs no INSERT on parallel
      // workers), and this query takes the other (docs/performance-log.md). Runs recorded before it have
      // no such step (their writeReport queries the level changes).
      if (!levelChangesBeside) delete steps.queryLevelChanges;
      const queriedLevelChanges = levelChangesBeside
        ? branches.add(Promise.all([users, time]).then(() => step('queryLevelChanges', () => quick.queryLevelChanges({ ...ref, window }))))
        : undefined;
      [matches, , , , levelChanges] = await Promise.all([songsThenSongplays, artists, users, time, queriedLevelChanges]);
    } else {
      // Runs recorded before songplays were published beside the dimensions replay this order.
      delete steps.queryLevelChanges;
      await Promise.all([
        step('loadSongs', () => loads.loadSongs(ref)),
        step('loadArtists', () => loads.loadArtists(ref)),
        step('loadUsers', () => loads.loadUsers(ref)),
        step('loadTime', () => loads.loadTime(ref)),
      ]);
      matches = await publishSongplays();
    }
    const staging = { events, songs };
    // Song files staging found it cannot read are skipped files, not loaded ones (src/staging/skippedSongFiles.ts).
    files = withFilesSkippedInStaging(files, songs);
    const checks = await step('runQualityChecks', () =>
      quick.runQualityChecks({
        ...ref,
        staging,
        matches,
        matchRateWarnBelow: input.matchRateWarnBelow ?? DEFAULTS.matchRateWarnBelow,
        failOnEmpty: input.failOnEmpty ?? DEFAULTS.failOnEmpty,
        extraChecks: input.extraChecks ?? [],
        // What checkStagedData counted is not counted again (src/activities/checkActivities.ts).
        ...(stagedChecks ? { stagedChecks } : {}),
      }),
    );
    steps.summarizeRun = { status: 'running' };
    const summary = await quick.summarizeRun({
      ...ref,
      workflowId: info.workflowId,
      window,
      files: { events: files.eventFiles, songs: files.songFiles, bytes: files.eventBytes + files.songBytes },
      staging,
      rejected: {
        count: events.recordsRejected + songs.recordsRejected,
        samples: [...events.rejectSamples, ...songs.rejectSamples],
      },
      skipped: { count: files.skippedFiles ?? 0, samples: files.skippedSamples ?? [] },
      ...(files.datesWithoutLog ? { datesWithoutLog: files.datesWithoutLog } : {}),
      matches,
      checks,
      steps: { ...steps, summarizeRun: { status: 'completed' } },
      startedAt,
      durationMs: Date.now() - startedAt,
    });
    steps.summarizeRun = { status: 'completed', durationMs: Date.now() - startedAt - summary.durationMs };
    let written: Pick<RunSummary, 'report' | 'reportError'>;
    try {
      const report = await step('writeReport', () =>
        quick.writeReport({ ...ref, workflowId: info.workflowId, window, reportTo: input.reportTo, ...(levelChanges ? { levelChanges } : {}) }),
      );
      written = { report };
    } catch (err) {
      // summarizeRun has recorded the run completed, its tables published and checked: a failed
      // report is told in the summary and etl_runs (and alerted, src/notify/workflow.ts), not by
      // failing the run.
      if (isCancellation(err) || !patched(REPORT_FAILURE_KEEPS_RUN_COMPLETED)) throw err;
      const reportError = rootMessage(err);
      written = { reportError };
      if (patched(REPORT_ERROR_RECORDED)) await recordReportError(ref, reportError);
    }
    return { ...summary, ...written, steps: { ...summary.steps, writeReport: steps.writeReport } };
  } catch (err) {
    // A run that has begun staging has staging rows, and from repairText on a publishing mark
    // (src/activities/publishingRuns.ts); failed or cancelled, it writes nothing more, so it says so
    // (runs recorded before this fail without it).
    const staged = steps.stageEvents.status !== 'pending' || steps.stageSongs.status !== 'pending';
    if (staged && patched(FAILED_RUN_RECORDED)) await recordFailedRun(ref);
    throw err;
  }
}
