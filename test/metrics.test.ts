import { WorkflowFailedError } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../src/etl/types';
import { freePort } from '../src/util/ports';
import { progressQuery, type etlRun } from '../src/workflows/etl';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * `sparkify worker --metrics-port` as operators run it (its own process, over the built dist/):
 * the endpoint is scraped while a real run is going, then its pipeline figures are checked
 * against the run's own summary.
 */
let temporal: TestTemporal;
let tmp: string;
let worker: ChildProcess | undefined;
let metricsUrl: string;
let taskQueue: string;

/** One sample of the Prometheus text format: name, labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseProm(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape(): Promise<Sample[]> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return parseProm(await response.text());
}

/** The value of the one sample with this name and these labels (an error naming what is missing otherwise). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${found.length} samples; have ${[...new Set(samples.map((s) => s.name))].join(', ')}`);
  return found[0].value;
}

beforeAll(async () => {
  if (!fs.existsSync(path.resolve(__dirname, '../dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  temporal = await startTestTemporal();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-metrics-'));
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  taskQueue = `metrics-${randomUUID()}`;
  worker = spawn(
    process.execPath,
    [BIN, 'worker', '--temporal', temporal.server.address, '--source', SAMPLE_DIR, '--warehouse', `duckdb:${path.join(tmp, 'warehouse.duckdb')}`],
    { cwd: tmp, env: { ...process.env, SPARKIFY_LOG_LEVEL: 'info', SPARKIFY_TASK_QUEUE: taskQueue, SPARKIFY_METRICS_PORT: `127.0.0.1:${port}` }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('worker running')) resolve();
    };
    worker!.stdout!.on('data', onData);
    worker!.stderr!.on('data', onData);
    worker!.once('exit', (code, signal) => reject(new Error(`worker exited (${signal ?? code}) before polling:\n${seen}`)));
  });
});

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    const exited = new Promise((resolve) => worker!.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await temporal?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('worker metrics on one Prometheus endpoint', () => {
  let summary: RunSummary;

  test('scraped during a real run: the SDK metrics are there; after it, the pipeline figures equal the run summary', async () => {
    const handle = await temporal.client.workflow.start<typeof etlRun>('etlRun', {
      taskQueue,
      workflowId: `metrics-${randomUUID()}`,
      args: [{ window: { from: '2018-11-01', to: '2018-11-30' } }],
    });
    // During the run: wait until a step is running, then scrape.
    for (;;) {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (progress && progress.currentSteps.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const during = await scrape();
    expect(during.some((s) => s.name.startsWith('temporal_'))).toBe(true);
    expect(during.some((s) => s.name.startsWith('sparkify_'))).toBe(false);

    summary = await handle.result();
    const after = await scrape();
    for (const kind of ['events', 'songs'] as const) {
      const s = summary.staging[kind];
      expect({ kind, read: value(after, 'sparkify_records_total', { kind, outcome: 'read' }) }).toEqual({ kind, read: s.recordsRead });
      expect(value(after, 'sparkify_records_total', { kind, outcome: 'staged' })).toBe(s.recordsStaged);
      expect(value(after, 'sparkify_records_total', { kind, outcome: 'rejected' })).toBe(s.recordsRejected);
      expect(value(after, 'sparkify_reject_rate', { kind })).toBeCloseTo(s.recordsRead === 0 ? 0 : s.recordsRejected / s.recordsRead, 9);
    }
    expect(summary.staging.events.recordsRead).toBeGreaterThan(6000);
    for (const [table, rows] of Object.entries(summary.tables)) expect({ table, rows: value(after, 'sparkify_table_rows', { table }) }).toEqual({ table, rows });
    expect(value(after, 'sparkify_songplays_published_total')).toBe(summary.matches.plays);
    expect(value(after, 'sparkify_song_match_rate')).toBeCloseTo(summary.matches.matchRate, 9);
    for (const severity of ['error', 'warn'] as const) {
      for (const status of ['pass', 'fail'] as const) {
        const want = summary.checks.filter((c) => c.severity === severity && c.status === status).length;
        const got = after.filter((s) => s.name === 'sparkify_quality_checks_total' && s.labels.severity === severity && s.labels.status === status);
        expect({ severity, status, count: got[0]?.value ?? 0 }).toEqual({ severity, status, count: want });
      }
    }
    for (const step of ['stageEvents', 'stageSongs', 'loadSongplays', 'runQualityChecks']) {
      expect({ step, ms: value(after, 'sparkify_step_duration_ms_sum', { step }) }).toEqual({ step, ms: Math.round(summary.steps[step].durationMs!) });
      expect(value(after, 'sparkify_step_duration_ms_count', { step })).toBe(1);
    }
    expect(value(after, 'sparkify_runs_completed_total')).toBe(1);
    const lastSuccess = value(after, 'sparkify_last_success_timestamp_seconds');
    expect(lastSuccess).toBeGreaterThan(Date.parse('2026-01-01') / 1000);
    // Few labels: no file, date or run id on any pipeline metric.
    const labelNames = new Set(after.filter((s) => s.name.startsWith('sparkify_')).flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].filter((l) => !['kind', 'outcome', 'table', 'severity', 'status', 'step', 'le', 'service_name'].includes(l))).toEqual([]);
  });

  test('a failed run counts in the SDK\'s temporal_workflow_failed (what the "run failed" alert watches), not in sparkify_runs_completed', async () => {
    const before = await scrape();
    const handle = await temporal.client.workflow.start<typeof etlRun>('etlRun', {
      taskQueue,
      workflowId: `metrics-fail-${randomUUID()}`,
      args: [
        {
          window: { from: '2018-11-15', to: '2018-11-15' },
          extraChecks: [{ name: 'broken', severity: 'error', description: 'every user is paid', rule: { kind: 'accepted_values', table: 'users', column: 'level', values: ['paid'] } }],
        },
      ],
    });
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const failedCount = (samples: Sample[]) =>
      samples.filter((s) => s.name === 'temporal_workflow_failed_total' && s.labels.workflow_type === 'etlRun').reduce((sum, s) => sum + s.value, 0);
    // The SDK exports a completion once the worker has reported it: wait for it by scraping.
    const deadline = Date.now() + 30_000;
    let after = await scrape();
    while (failedCount(after) === failedCount(before)) {
      if (Date.now() > deadline) throw new Error(`temporal_workflow_failed_total{workflow_type="etlRun"} did not move within 30 s:\n${after.map((s) => s.name).filter((n) => n.includes('workflow')).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await scrape();
    }
    expect(failedCount(after)).toBe(failedCount(before) + 1);
    expect(value(after, 'sparkify_runs_completed_total')).toBe(1);
  });
});
