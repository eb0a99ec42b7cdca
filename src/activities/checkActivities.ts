/**
 * The data-quality steps: the blocking checks on the staged data before anything is published,
 * and every declared check after the publish. Results are stored with the run id.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { slowStatementSeconds } from '../config';
import { STEP_ATTEMPTS } from '../defaults';
import { ERROR_TYPES } from '../errors';
import type { CheckDefinition, CheckResult, MatchStats, RunRef, StageResult } from '../etl/types';
import { qualityChecks } from '../quality/checks';
import { describeFailure, runCheck, runChecks } from '../quality/runner';
import { engineTraits } from '../warehouse/engineTraits';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Logger } from '../log';
import type { Warehouse } from '../warehouse/types';
import { checkDefinitionShape, describeShapeIssue } from '../workflows/inputs';
import { array, issuesWith } from '../workflows/shape';
import type { ActivityDeps } from './deps';
import { fencedAppendRows } from './fence';
import { activitySignal, heartbeat, whileHeartbeating } from './heartbeat';
import { clearPublishing, otherPublishingRuns, type PublishingRun } from './publishingRuns';
import { queryTimeLog } from './slowStatements';
import { stagedDataChecks } from './stagedChecks';

/** Stores a run's check results, replacing what an earlier attempt stored. */
async function storeCheckResults(warehouse: Warehouse, runId: string, results: CheckResult[]): Promise<void> {
  await fencedAppendRows(
    warehouse,
    'etl_quality_results',
    ['run_id', 'check_name', 'severity', 'status', 'failing_count', 'sample_keys', 'description'],
    results.map((r) => [runId, r.name, r.severity, r.status, r.failingCount, r.sampleKeys.join(', '), r.description]),
    { deleteFirst: sqlStatement('etl/clear_quality_results', warehouse.dialect, { run_id: runId }) },
  );
}

/**
 * PostgreSQL plans the checks from the star tables' statistics, which the publishes just made
 * stale (or, on a first run, left empty): refreshed first (sql/postgres/analyze_star.sql says why).
 */
export async function refreshCheckStatistics(warehouse: Warehouse, signal?: AbortSignal): Promise<void> {
  const refresh = engineTraits(warehouse.dialect).statisticsRefresh;
  if (refresh === null) return;
  // Each ANALYZE runs in one process: its statements on sessions of their own, at once.
  await Promise.all(sqlStatements(refresh, warehouse.dialect).map((statement) => warehouse.execute([statement], { signal })));
}

/**
 * The results checkStagedData found before the publish that the check step takes as they are: its
 * staging reconciliations, the same checks of the same rows (no step since writes the run's staging
 * rows: src/etl/dag.ts), so every staged event is not counted a second time (at 8M events a read of
 * 2.9 GB on PostgreSQL). Keyed by check name; only a declared reconciliation check of that name.
 */
export function reusableStagedResults(checks: readonly CheckDefinition[], staged: readonly CheckResult[] | undefined): Map<string, CheckResult> {
  const reusable = new Map<string, CheckResult>();
  for (const check of checks) {
    if (check.rule.kind !== 'staging_reconciliation') continue;
    const found = staged?.find((r) => r.name === check.name && r.severity === check.severity);
    if (found) reusable.set(check.name, found);
  }
  return reusable;
}

/** Runs the checks without a reusable result, and returns every result in the order of `checks`. */
export async function runChecksReusing(
  warehouse: Warehouse,
  checks: readonly CheckDefinition[],
  reusable: Map<string, CheckResult>,
  facts: Parameters<typeof runChecks>[2],
  onResult: Parameters<typeof runChecks>[3],
  signal?: AbortSignal,
): Promise<CheckResult[]> {
  const isReused = (check: CheckDefinition) => check.rule.kind === 'staging_reconciliation' && reusable.has(check.name);
  const ran = await runChecks(warehouse, checks.filter((c) => !isReused(c)), facts, onResult, signal);
  let next = 0;
  return checks.map((check) => (isReused(check) ? reusable.get(check.name)! : ran[next++]));
}

/**
 * Whether Temporal runs this activity again when it fails retryably: not on the retry policy's
 * last attempt, nor outside an activity (tools, tests). Without a limit in the policy, or without
 * the policy (a first attempt can come without it: test/unit/etlWorkflow.test.ts), the limit is
 * `otherwise`, the attempts the ETL workflow gives its quick steps (STEP_ATTEMPTS), so a wait on
 * another run stays bounded.
 */
export function attemptsLeft(otherwise: number = STEP_ATTEMPTS.quick): boolean {
  let info: Context['info'];
  try {
    info = Context.current().info;
  } catch {
    return false;
  }
  const max = info.retryPolicy?.maximumAttempts;
  return info.attempt < (max !== undefined && max > 0 ? max : otherwise);
}

/** The slow-statement log of one run's quality checks, each entry named `quality check <name>` (both check steps log so). */
function checkTimeLog(log: Logger, runId: string): (checkName: string, ms: number) => void {
  const timed = queryTimeLog(log, slowStatementSeconds(), { runId });
  return (checkName, ms) => timed(`quality check ${checkName}`, ms);
}

function describePublishingRuns(runs: readonly PublishingRun[]): string {
  return runs.map((r) => `${r.runId} (publishing since ${r.startedAt} UTC)`).join(', ');
}

/**
 * The failure of the error-level checks `failed`: retryable when each is a reference check and
 * other runs are between their publishes, whose next publish may add the users or times their
 * published plays name (their marks: publishingRuns.ts), while attempts are left; otherwise the
 * checks failed, naming those runs where there are any. `results` travel as the failure's details.
 */
function checksFailure(
  failed: readonly CheckResult[],
  checks: readonly CheckDefinition[],
  publishing: readonly PublishingRun[],
  retryable: boolean,
  results: CheckResult[],
): ApplicationFailure {
  const described = failed.map(describeFailure).join('; ');
  const onlyReferences = failed.every((r) => checks.find((c) => c.name === r.name)?.rule.kind === 'references');
  if (!onlyReferences || publishing.length === 0) return ApplicationFailure.nonRetryable(described, ERROR_TYPES.qualityCheckFailed, results);
  const beside = `while run(s) ${describePublishingRuns(publishing)} were between their first and last publish`;
  if (retryable) {
    return ApplicationFailure.retryable(`${described}; ${beside}: checked again on the next attempt`, ERROR_TYPES.checkedBesideAnotherPublish, results);
  }
  return ApplicationFailure.nonRetryable(
    `${described}; ${beside}, still on the last attempt: a run that failed mid-publish leaves its plays without their users or times until it runs again to completion; then run this one again`,
    ERROR_TYPES.qualityCheckFailed,
    results,
  );
}

export function createCheckActivities({ resources, log }: ActivityDeps) {
  return {
    /**
     * Runs every declared check (and any extra ones), stores the results with the run id, and fails
     * the run, without retry, when an error-level check fails. Only failing reference checks while
     * another run is between its publishes fail it with a retry instead (checksFailure), until the
     * last attempt.
     */
    async runQualityChecks(
      ref: RunRef & {
        staging: { events: StageResult; songs: StageResult };
        matches: MatchStats;
        matchRateWarnBelow: number;
        failOnEmpty: boolean;
        extraChecks: CheckDefinition[];
        /** What checkStagedData returned (absent in histories from before it). */
        stagedChecks?: CheckResult[];
      },
    ): Promise<CheckResult[]> {
      const warehouse = await resources.warehouse(ref.warehouse);
      // Checked again here (the workflow checks its input): extra checks reach SQL only through declared names.
      const [problem] = issuesWith(array(checkDefinitionShape), ref.extraChecks);
      if (problem) throw ApplicationFailure.nonRetryable(`extraChecks: ${describeShapeIssue(problem)}`, ERROR_TYPES.invalidWorkflowInput);
      const checks = [...qualityChecks({ matchRateWarnBelow: ref.matchRateWarnBelow, failOnEmpty: ref.failOnEmpty }), ...ref.extraChecks];
      const signal = activitySignal();
      // The run's publishes have all committed.
      await clearPublishing(warehouse, ref.runId);
      await refreshCheckStatistics(warehouse, signal);
      const facts = { runId: ref.runId, staging: ref.staging, matches: ref.matches };
      const reusable = reusableStagedResults(checks, ref.stagedChecks);
      const timed = checkTimeLog(log, ref.runId);
      const results = await runChecksReusing(
        warehouse,
        checks,
        reusable,
        facts,
        (checked, check) => {
          heartbeat({ checked });
          timed(check.name, check.ms);
        },
        signal,
      );
      const failed = results.filter((r) => r.severity === 'error' && r.status === 'fail');
      const publishing = failed.length > 0 ? await otherPublishingRuns(warehouse, ref.runId) : [];
      const failure = failed.length > 0 ? checksFailure(failed, checks, publishing, attemptsLeft(), results) : undefined;
      // Results are stored unless the step is to be retried (its next attempt stores what it finds).
      if (!failure || failure.nonRetryable) await storeCheckResults(warehouse, ref.runId, results);
      if (failure) throw failure;
      for (const warning of results.filter((r) => r.status === 'fail')) log.warn({ runId: ref.runId }, describeFailure(warning));
      return results;
    },

    /**
     * Before anything is published: the error-level checks on the staged data alone (staging
     * reconciles with the source; with failOnEmpty, the run has events). Fails the run, without
     * retry, when one fails, so a run that cannot pass them publishes nothing.
     */
    async checkStagedData(ref: RunRef & { staging: { events: StageResult; songs: StageResult }; failOnEmpty: boolean }): Promise<CheckResult[]> {
      const warehouse = await resources.warehouse(ref.warehouse);
      const noMatches: MatchStats = { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 };
      const results: CheckResult[] = [];
      // Logged as the check step logs its checks (the step reuses these results, it does not run them again).
      const timed = checkTimeLog(log, ref.runId);
      for (const check of stagedDataChecks({ failOnEmpty: ref.failOnEmpty })) {
        const began = performance.now();
        results.push(
          await whileHeartbeating({ check: check.name }, () => runCheck(warehouse, check, { runId: ref.runId, staging: ref.staging, matches: noMatches }, activitySignal()), 1000),
        );
        timed(check.name, performance.now() - began);
      }
      const failed = results.filter((r) => r.status === 'fail');
      if (failed.length > 0) {
        // Kept with the run id like every check result (the full check step, had it run, would replace them).
        await storeCheckResults(warehouse, ref.runId, results);
        throw ApplicationFailure.nonRetryable(`${failed.map(describeFailure).join('; ')} (before publishing: nothing was published)`, ERROR_TYPES.qualityCheckFailed, results);
      }
      return results;
    },
  };
}
