/**
 * The pipeline's own figures, recorded on the Temporal SDK's metric meter so they leave through the
 * same exporter as the SDK's (one Prometheus endpoint per worker, see --metrics-port). Labels stay
 * few and bounded: record kind, table, step, check severity/status. Never a file, date or run id.
 */
import type { MetricMeter } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { RunSummary } from '../etl/types';

interface PipelineMetrics {
  records: ReturnType<MetricMeter['createCounter']>;
  tableRows: ReturnType<MetricMeter['createGauge']>;
  songplaysPublished: ReturnType<MetricMeter['createCounter']>;
  checks: ReturnType<MetricMeter['createCounter']>;
  matchRate: ReturnType<MetricMeter['createGauge']>;
  rejectRate: ReturnType<MetricMeter['createGauge']>;
  stepDuration: ReturnType<MetricMeter['createHistogram']>;
  runsCompleted: ReturnType<MetricMeter['createCounter']>;
  lastSuccess: ReturnType<MetricMeter['createGauge']>;
}

let metrics: PipelineMetrics | undefined;

function create(meter: MetricMeter): PipelineMetrics {
  return {
    records: meter.createCounter('sparkify_records', 'records', 'Source records per kind (events|songs) and outcome (read|staged|rejected)'),
    tableRows: meter.createGauge('sparkify_table_rows', 'int', undefined, 'Rows in each star and staging table after the latest run'),
    songplaysPublished: meter.createCounter('sparkify_songplays_published', 'rows', 'songplays rows published by runs'),
    checks: meter.createCounter('sparkify_quality_checks', 'checks', 'Quality check outcomes by severity (error|warn) and status (pass|fail)'),
    matchRate: meter.createGauge('sparkify_song_match_rate', 'float', undefined, "Share of the latest run's plays matched to a song"),
    rejectRate: meter.createGauge('sparkify_reject_rate', 'float', undefined, 'Share of the latest run\'s records rejected, per kind'),
    stepDuration: meter.createHistogram('sparkify_step_duration', 'int', 'ms', 'How long each ETL step took'),
    runsCompleted: meter.createCounter('sparkify_runs_completed', 'runs', 'ETL runs that completed (failed runs: temporal_workflow_failed)'),
    lastSuccess: meter.createGauge('sparkify_last_success_timestamp_seconds', 'int', undefined, 'Unix time the latest successful run finished'),
  };
}

/** Records one completed run's figures. Called once per run, when its summary is written. */
export function recordRunMetrics(summary: RunSummary, meter: MetricMeter = Runtime.instance().metricMeter): void {
  metrics ??= create(meter);
  const m = metrics;
  for (const kind of ['events', 'songs'] as const) {
    const s = summary.staging[kind];
    m.records.add(s.recordsRead, { kind, outcome: 'read' });
    m.records.add(s.recordsStaged, { kind, outcome: 'staged' });
    m.records.add(s.recordsRejected, { kind, outcome: 'rejected' });
    m.rejectRate.set(s.recordsRead === 0 ? 0 : s.recordsRejected / s.recordsRead, { kind });
  }
  for (const [table, rows] of Object.entries(summary.tables)) m.tableRows.set(rows, { table });
  m.songplaysPublished.add(summary.matches.plays);
  for (const c of summary.checks) m.checks.add(1, { severity: c.severity, status: c.status });
  m.matchRate.set(summary.matches.matchRate);
  for (const [step, progress] of Object.entries(summary.steps)) {
    if (progress.durationMs !== undefined) m.stepDuration.record(Math.round(progress.durationMs), { step });
  }
  m.runsCompleted.add(1);
  m.lastSuccess.set(Math.floor(Date.now() / 1000));
}
