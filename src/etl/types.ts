/** Types shared by the workflow and the activities: plain data only (they cross Temporal's wire). */
import type { Duration } from '@temporalio/common';
import type { CheckDefinition, Severity } from './checkTypes';
import type { NotifySettings } from '../notify/types';

export type { CheckDefinition, Severity };

/** Dates are inclusive, YYYY-MM-DD. No window: every log file in the source. */
export interface RunWindow {
  from: string;
  to: string;
}

export interface EtlInput {
  /** Source URI (directory or s3://bucket/prefix); default: the worker's SPARKIFY_SOURCE. */
  source?: string;
  /** Warehouse URI with any password hidden; default: the worker's SPARKIFY_WAREHOUSE. */
  warehouse?: string;
  window?: RunWindow | null;
  /** Highest tolerated share of rejected records per record kind before the run fails (default 0.01). */
  maxRejectRate?: number;
  /** Largest duration difference in seconds for a repaired song match (default 2). */
  durationTolerance?: number;
  /** Below this share of matched plays, the match-rate check warns (default 0.5). */
  matchRateWarnBelow?: number;
  /** Fail, rather than warn, when the window holds no events. */
  failOnEmpty?: boolean;
  /** Extra checks to run after the declared ones (tests use this to inject a failing check). */
  extraChecks?: CheckDefinition[];
  /**
   * Heartbeat timeout of every activity, e.g. '30s' (default 20 seconds; every activity heartbeats
   * every 5): how soon an attempt on a worker that died is retried elsewhere.
   */
  heartbeatTimeout?: Duration;
  /** Where the run's HTML insights report goes: a directory or s3://bucket/prefix (default: the worker's .sparkify/reports). */
  reportTo?: string;
  /** Send an alert to a webhook when the run fails (or warns, or always: see NotifySettings). */
  notify?: NotifySettings;
}

export interface RunRef {
  runId: string;
  source: string;
  warehouse: string;
}

export type RecordKind = 'events' | 'songs';

export interface ListedFiles {
  eventFiles: number;
  songFiles: number;
  eventBytes: number;
  songBytes: number;
  /** Song files listed but not staged: the load ledger holds them with the same ETag. */
  songFilesUnchanged?: number;
  /** Files listed but not loaded, each with a reason (all in etl_skipped_files; the first few here). */
  skippedFiles?: number;
  skippedSamples?: SkippedFile[];
  /** Dates of the window with no event log listed (they keep their published plays): the count and the first few. */
  datesWithoutLog?: { count: number; samples: string[] };
}

/** A source file a run listed and did not load, and why (a misnamed, empty, compressed or unreadable file). */
export interface SkippedFile {
  sourceKey: string;
  etag: string;
  size: number;
  reason: string;
}

export interface RejectSample {
  sourceKey: string;
  sourceLine: number;
  reason: string;
}

export interface StageResult {
  kind: RecordKind;
  files: number;
  bytes: number;
  recordsRead: number;
  recordsStaged: number;
  recordsRejected: number;
  rejectSamples: RejectSample[];
  /**
   * Song files staging skipped, with the reason (unreadable, compressed bytes): listed, not
   * probed by the listing, and found so when staging read them (all in etl_skipped_files; they are
   * not in `files`). Absent when none.
   */
  skipped?: { count: number; samples: SkippedFile[] };
}

export interface RepairResult {
  distinctValues: number;
  repairedValues: number;
}

export interface MatchStats {
  plays: number;
  strictMatches: number;
  repairedMatches: number;
  /** repairedMatches / plays (0 when there are no plays). */
  matchRate: number;
  /** NextSong events with an empty userId: staged, but not songplays. */
  playsWithoutUser: number;
}

export interface CheckResult {
  name: string;
  severity: Severity;
  status: 'pass' | 'fail';
  failingCount: number;
  sampleKeys: string[];
  description: string;
}

export type StepStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface StepProgress {
  status: StepStatus;
  durationMs?: number;
}

export interface RunProgress {
  runId: string;
  currentSteps: string[];
  steps: Record<string, StepProgress>;
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  status: 'completed';
  source: string;
  warehouse: string;
  window: RunWindow | null;
  tables: Record<string, number>;
  files: { events: number; songs: number; bytes: number };
  staging: { events: StageResult; songs: StageResult };
  rejected: { count: number; samples: RejectSample[] };
  /** Files listed and not loaded, with reasons (every one is in etl_skipped_files). */
  skipped?: { count: number; samples: SkippedFile[] };
  /** Dates of the window with no event log listed: the run left their published plays as they were. */
  datesWithoutLog?: { count: number; samples: string[] };
  matches: MatchStats;
  checks: CheckResult[];
  steps: Record<string, StepProgress>;
  durationMs: number;
  /** Where the run's insights report was written: a file path or an s3:// URI. */
  report?: string;
  /**
   * Why the report was not written, when it was not: the run's tables are published and checked
   * and etl_runs records it completed, so the run completes all the same (src/workflows/etl.ts).
   */
  reportError?: string;
}
