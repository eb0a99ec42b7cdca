/**
 * `sparkify runs list`: a warehouse's runs as its bookkeeping records them, read only. The latest
 * runs with an outcome (completed: etl_runs; failed: etl_failed_runs, and of those the abandoned
 * ones: etl_abandoned_runs), and the runs with a file list or a publishing mark and no outcome
 * (going, or closed without a record, or unknown to Temporal: etl_unknown_runs). Temporal is asked
 * about the latter only when a client is given, and nothing is recorded either way: recording is
 * `sparkify runs cleanup`'s (src/ledger/abandonedRuns.ts). A warehouse an earlier release built may
 * lack some of these tables or columns: what it lacks is not listed, and the listing says so.
 */
import type { Client } from '@temporalio/client';
import { rootMessage } from '../etl/failures';
import type { RunWindow } from '../etl/types';
import { windowOfWorkflowId } from '../etl/workflowIds';
import { tableColumns, tablesPresent } from '../warehouse/catalog';
import { sqlStatement } from '../warehouse/sql';
import type { Row, Warehouse } from '../warehouse/types';
import { timestampTextToIso } from '../warehouse/values';
import { askTemporal, unrecordedRuns } from './abandonedRuns';
import { queryByRunIds, readUnknownRuns } from './unknownRuns';

const LISTING_TABLES = ['etl_runs', 'etl_run_files', 'etl_publishing_runs', 'etl_failed_runs', 'etl_abandoned_runs', 'etl_unknown_runs'] as const;
type ListingTable = (typeof LISTING_TABLES)[number];

export interface RecordedRun {
  runId: string;
  outcome: 'completed' | 'failed' | 'abandoned';
  /** Recorded by a completed run; of the others, the dates of the event logs they listed, or of their workflow id. */
  window: RunWindow | null;
  startedAt: string | null;
  /** Completed or failed at (an abandoned run: as of its close, or of the operator's statement). ISO-8601 UTC. */
  finishedAt: string | null;
  /** An abandoned run's: its workflow ('' when Temporal did not know it), Temporal's status ('abandoned': an operator's), who found it. */
  workflowId?: string;
  status?: string;
  reason?: string | null;
  foundBy?: string;
  foundAt?: string | null;
}

export type TemporalView = 'not asked' | 'running' | 'closed without a record' | 'unknown to Temporal' | 'closed, recorded since';

export interface UnrecordedRun {
  runId: string;
  window: RunWindow | null;
  /** When its publish began (its publishing mark), if it began. */
  publishingSince: string | null;
  temporal: TemporalView;
  /** Closed without a record: its workflow, Temporal's status and close. */
  workflowId?: string;
  status?: string;
  closedAt?: string;
  /** What runs counted of it as unknown to Temporal (etl_unknown_runs). */
  foundUnknown?: { firstFoundAt: string; firstFoundBy: string; lastFoundAt: string; timesFound: number };
}

export interface RunListing {
  warehouse: string;
  /** The latest `limit` runs with an outcome, newest first. */
  recorded: RecordedRun[];
  /** The runs with no recorded outcome (at most `limit`), and how many there are. */
  unrecorded: UnrecordedRun[];
  unrecordedTotal: number;
  temporalAsked: boolean;
  /** Why Temporal, given, did not answer (within TEMPORAL_QUESTION_MS): the runs with no outcome were not asked about. */
  temporalError?: string;
  /** What could not be listed, and why (a warehouse an earlier release built). */
  notes: string[];
}

const iso = (value: unknown): string | null => (value === null || value === undefined ? null : timestampTextToIso(String(value)));

const DATE_IN_KEY = /\d{4}-\d{2}-\d{2}/;

/** The dates of a run's listed event logs (their names hold their date: log_data/2018/11/2018-11-01-events.json). */
function windowOfLogs(row: Row | undefined): RunWindow | null {
  const from = DATE_IN_KEY.exec(String(row?.first_key ?? ''))?.[0];
  const to = DATE_IN_KEY.exec(String(row?.last_key ?? ''))?.[0];
  return from && to ? { from, to } : null;
}

export async function listRuns(warehouse: Warehouse, options: { limit: number; client?: Client }): Promise<RunListing> {
  const d = warehouse.dialect;
  const present = await tablesPresent(warehouse, LISTING_TABLES);
  const has = (table: ListingTable) => present.has(table);
  const listing: RunListing = { warehouse: warehouse.description, recorded: [], unrecorded: [], unrecordedTotal: 0, temporalAsked: false, notes: [] };
  if (!has('etl_runs')) {
    listing.notes.push(`${warehouse.description} has no etl_runs table: no run has loaded it`);
    return listing;
  }
  const listedLogs = async (runIds: string[]) => (has('etl_run_files') ? byRunId(await queryByRunIds(warehouse, 'cli/runs_listed_logs', runIds)) : new Map<string, Row>());

  for (const row of await warehouse.query(sqlStatement('cli/runs_completed', d, { limit: options.limit }))) {
    listing.recorded.push({
      runId: String(row.run_id),
      outcome: 'completed',
      window: row.window_start ? { from: String(row.window_start), to: String(row.window_end ?? row.window_start) } : null,
      startedAt: iso(row.started_at),
      finishedAt: iso(row.finished_at),
    });
  }
  if (has('etl_failed_runs')) {
    const failed = await warehouse.query(sqlStatement('cli/runs_failed', d, { limit: options.limit }));
    const ids = failed.map((r) => String(r.run_id));
    const abandoned = has('etl_abandoned_runs') && ids.length > 0 ? await readAbandoned(warehouse, ids) : new Map<string, Row>();
    const logs = await listedLogs(ids);
    for (const row of failed) {
      const runId = String(row.run_id);
      const a = abandoned.get(runId);
      const window = windowOfLogs(logs.get(runId)) ?? windowOfWorkflowId(a ? String(a.workflow_id) : undefined);
      const run: RecordedRun = { runId, outcome: a ? 'abandoned' : 'failed', window, startedAt: null, finishedAt: iso(row.failed_at) };
      if (a) Object.assign(run, { workflowId: String(a.workflow_id), status: String(a.status), reason: a.reason === null ? null : String(a.reason), foundBy: String(a.found_by), foundAt: iso(a.found_at) });
      listing.recorded.push(run);
    }
  } else {
    listing.notes.push('no etl_failed_runs table (an earlier release built the warehouse; the next run creates it): failed runs are not listed');
  }
  listing.recorded.sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? '') || a.runId.localeCompare(b.runId));
  listing.recorded = listing.recorded.slice(0, options.limit);

  if (!has('etl_run_files') || !has('etl_publishing_runs') || !has('etl_failed_runs')) {
    listing.notes.push('runs with no recorded outcome are not listed: this release keeps them in tables the warehouse lacks (the next run creates them)');
    return listing;
  }
  const unrecordedIds = await unrecordedRuns(warehouse, '');
  listing.unrecordedTotal = unrecordedIds.length;
  const shown = unrecordedIds.slice(0, options.limit);
  if (shown.length === 0) return listing;
  const logs = await listedLogs(shown);
  const publishing = new Map((await queryByRunIds(warehouse, 'cli/runs_publishing', shown)).map((r) => [String(r.run_id), iso(r.started_at)]));
  const unknownKept = has('etl_unknown_runs') ? new Map((await readUnknownRuns(warehouse, shown)).map((r) => [r.runId, r])) : new Map();
  listing.unrecorded = shown.map((runId) => {
    const kept = unknownKept.get(runId);
    return {
      runId,
      window: windowOfLogs(logs.get(runId)),
      publishingSince: publishing.get(runId) ?? null,
      temporal: 'not asked' as TemporalView,
      ...(kept ? { foundUnknown: { firstFoundAt: kept.firstFoundAt, firstFoundBy: kept.firstFoundBy, lastFoundAt: kept.lastFoundAt, timesFound: kept.timesFound } } : {}),
    };
  });
  if (options.client) {
    let found;
    try {
      found = await askTemporal(options.client, shown);
    } catch (err) {
      listing.temporalError = rootMessage(err).split('\n')[0];
      return listing;
    }
    listing.temporalAsked = true;
    for (const run of listing.unrecorded) {
      const closed = found.abandoned.find((a) => a.runId === run.runId);
      if (closed) {
        Object.assign(run, { temporal: 'closed without a record', workflowId: closed.workflowId, status: closed.status, closedAt: closed.closedAt.toISOString() });
        run.window ??= windowOfWorkflowId(closed.workflowId);
      } else if (found.running.includes(run.runId)) run.temporal = 'running';
      else if (found.unknown.includes(run.runId)) run.temporal = 'unknown to Temporal';
      // Known, and neither running nor closed without a record: it completed or failed as the listing was read.
      else run.temporal = 'closed, recorded since';
    }
  }
  return listing;
}

/** The abandoned runs' rows among `runIds`, on an etl_abandoned_runs with or without reason (an earlier release's). */
async function readAbandoned(warehouse: Warehouse, runIds: string[]): Promise<Map<string, Row>> {
  const withReason = (await tableColumns(warehouse, ['etl_abandoned_runs'])).get('etl_abandoned_runs')?.has('reason') === true;
  return byRunId(await queryByRunIds(warehouse, withReason ? 'cli/runs_abandoned' : 'cli/runs_abandoned_before_reason', runIds));
}

const byRunId = (rows: readonly Row[]): Map<string, Row> => new Map(rows.map((r) => [String(r.run_id), r]));
