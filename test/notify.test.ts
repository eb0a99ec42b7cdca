import { WorkflowFailedError } from '@temporalio/client';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { CheckDefinition, EtlInput } from '../src/etl/types';
import { knownNotifyUrls, notifyReference, resolveNotifyUrl } from '../src/notify/destination';
import type { NotifyMessage } from '../src/notify/message';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';
import { freePort } from '../src/util/ports';
import type { backfill } from '../src/workflows/backfill';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';

/** A webhook receiver on loopback: records every POST; answers with the next queued status (200 when none). */
interface Webhook {
  url: string;
  received: NotifyMessage[];
  /** Statuses to answer with, in order, before 200. */
  failNext: number[];
  stop(): Promise<void>;
}

async function startWebhook(): Promise<Webhook> {
  const received: NotifyMessage[] = [];
  const failNext: number[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const status = failNext.shift() ?? 200;
      if (status === 200) received.push(JSON.parse(body) as NotifyMessage);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hooks/sparkify`, received, failNext, stop: () => new Promise((r) => server.close(() => r())) };
}

const DAY = '2018-11-15';
const WEB_UI = 'http://127.0.0.1:8233';
const BROKEN: CheckDefinition = {
  name: 'users.level is paid (deliberately broken)',
  severity: 'error',
  description: 'every user is paid',
  rule: { kind: 'accepted_values', table: 'users', column: 'level', values: ['paid'] },
};
const WARNS: CheckDefinition = { ...BROKEN, name: 'users.level is paid (a warning)', severity: 'warn' };

let temporal: TestTemporal;
let webhook: Webhook;
let tmp: string;

beforeAll(async () => {
  [temporal, webhook] = await Promise.all([startTestTemporal(), startWebhook()]);
  // Backfill children carry the Sparkify search attributes: the namespace must know them.
  expect(await ensureSearchAttributes(temporal.client)).toBe(true);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-notify-'));
});

afterAll(async () => {
  await temporal?.stop();
  await webhook?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  webhook.received.length = 0;
  webhook.failNext.length = 0;
});

function input(extra: Partial<EtlInput>): EtlInput {
  return { source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, `${randomUUID()}.duckdb`)}`, window: { from: DAY, to: DAY }, ...extra };
}

/** The attempts the workflow made at the notify activity, from its history. */
async function notifyAttempts(workflowId: string): Promise<{ attempts: number; failure: string | null }> {
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendNotification');
  if (!scheduled) return { attempts: 0, failure: null };
  const id = Number(scheduled.eventId);
  const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === id);
  const failed = events.find((e) => Number(e.activityTaskFailedEventAttributes?.scheduledEventId) === id);
  return { attempts: started?.activityTaskStartedEventAttributes?.attempt ?? 0, failure: failed?.activityTaskFailedEventAttributes?.failure?.message ?? null };
}

describe('webhook references: workflow input names the webhook, the worker holds its URL', () => {
  const SLACK = 'https://hooks.slack.com/services/T0FAKE/B0FAKE/FakeSlackSecret123';

  test('a reference keeps scheme and host, and hides path, query and credentials', () => {
    expect(notifyReference(SLACK)).toMatch(/^https:\/\/hooks\.slack\.com\/…#sha256=[0-9a-f]{16}$/);
    const other = notifyReference('https://user:pw-1@hooks.example:8443/x/y?token=tok-2');
    expect(other).toMatch(/^https:\/\/hooks\.example:8443\/…#sha256=[0-9a-f]{16}$/);
    expect(notifyReference(other)).toBe(other);
    expect(notifyReference(SLACK)).not.toBe(notifyReference(`${SLACK}x`));
  });

  test('the worker resolves a reference against the URLs it knows, and only those', () => {
    const ref = notifyReference(SLACK);
    expect(resolveNotifyUrl(ref, [WEB_UI, SLACK])).toBe(SLACK);
    expect(resolveNotifyUrl(ref, [WEB_UI])).toBeUndefined();
    // A URL given as such (a workflow started by hand) is used as it is.
    expect(resolveNotifyUrl(SLACK, [])).toBe(SLACK);
    expect(knownNotifyUrls({ SPARKIFY_NOTIFY_URL: SLACK, SPARKIFY_NOTIFY_URLS: ` ${WEB_UI} ,, https://a.example/h ` })).toEqual(
      expect.arrayContaining([SLACK, WEB_UI, 'https://a.example/h']),
    );
  });
});

describe('failure alerts to a webhook', () => {
  test('a failed run POSTs one message naming the date, the failed step, the root cause, the Web UI link and the run id', async () => {
    const w = await temporal.worker();
    const workflowId = `notify-fail-${randomUUID()}`;
    const error = await w.run(input({ extraChecks: [BROKEN], notify: { url: webhook.url, on: 'failure', webUi: WEB_UI } }), workflowId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const { runId } = await temporal.client.workflow.getHandle(workflowId).describe();

    expect(webhook.received).toHaveLength(1);
    const message = webhook.received[0];
    expect(message).toMatchObject({
      kind: 'run',
      outcome: 'failed',
      dates: DAY,
      failedStep: 'runQualityChecks',
      workflowId,
      runId,
      namespace: temporal.server.namespace,
      webUiUrl: `${WEB_UI}/namespaces/${temporal.server.namespace}/workflows/${workflowId}/${runId}/history`,
    });
    expect(message.rootCause).toMatch(/quality check "users\.level is paid \(deliberately broken\)" failed: \d+ failing row/);
    // Slack-compatible: the whole story in `text`.
    expect(message.text).toContain(`Sparkify ETL run for ${DAY} FAILED.`);
    expect(message.text).toContain('Failed step: runQualityChecks');
    expect(message.text).toContain(`Root cause: ${message.rootCause}`);
    expect(message.text).toContain(message.webUiUrl!);
    expect(message.text).toContain(`run id ${runId}`);
  });

  test('a webhook that answers 503 at first is retried until it takes the message', async () => {
    webhook.failNext.push(503, 503);
    const w = await temporal.worker();
    const workflowId = `notify-retry-${randomUUID()}`;
    await expect(w.run(input({ extraChecks: [BROKEN], notify: { url: webhook.url, on: 'failure' } }), workflowId)).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(webhook.received).toHaveLength(1);
    expect(webhook.received[0].text).toContain('no --web-ui address was given');
    // Two 503s, then taken on the third attempt.
    expect(await notifyAttempts(workflowId)).toEqual({ attempts: 3, failure: null });
  });

  test('a webhook that is down: the failed run fails with its own error, the completed run completes', async () => {
    const down = `http://127.0.0.1:${await freePort()}/hooks/down`;
    const failedId = `notify-down-fail-${randomUUID()}`;
    const okId = `notify-down-ok-${randomUUID()}`;
    // Both runs at once: each waits out its alert's retries on its own.
    const [error, summary] = await Promise.all([
      temporal.worker().then((w) => w.run(input({ extraChecks: [BROKEN], notify: { url: down, on: 'always' } }), failedId).then((x): unknown => x, (e: unknown) => e)),
      temporal.worker().then((w) => w.run(input({ notify: { url: down, on: 'always' } }), okId)),
    ]);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    // The run's own failure, not the alert's.
    expect(((error as WorkflowFailedError).cause as { activityType?: string }).activityType).toBe('runQualityChecks');
    const failedAttempts = await notifyAttempts(failedId);
    expect(failedAttempts.attempts).toBe(4);
    expect(failedAttempts.failure).toMatch(/could not be reached/);

    expect(summary.status).toBe('completed');
    expect(summary.matches.plays).toBeGreaterThan(0);
    expect((await temporal.client.workflow.getHandle(okId).describe()).status.name).toBe('COMPLETED');
    expect((await notifyAttempts(okId)).attempts).toBe(4);
    expect(webhook.received).toEqual([]);
  });

  test('--notify-on: warning sends for failed warn checks, failure does not; always sends for a clean run', async () => {
    const w = await temporal.worker();
    const warned = await w.run(input({ extraChecks: [WARNS], notify: { url: webhook.url, on: 'warning' } }));
    expect(webhook.received).toHaveLength(1);
    expect(webhook.received[0]).toMatchObject({ outcome: 'warning', dates: DAY, failedStep: null, runId: warned.runId });
    expect(webhook.received[0].warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^users\.level is paid \(a warning\): every user is paid \(\d+ failing\)$/)]));
    expect(webhook.received[0].text).toContain('finished with warnings');

    webhook.received.length = 0;
    await (await temporal.worker()).run(input({ extraChecks: [WARNS], notify: { url: webhook.url, on: 'failure' } }));
    expect(webhook.received).toEqual([]);

    const clean = await (await temporal.worker()).run(input({ notify: { url: webhook.url, on: 'always' } }));
    // The one-day sample run warns on its low match rate; 'always' reports it either way.
    expect(webhook.received).toHaveLength(1);
    expect(webhook.received[0].runId).toBe(clean.runId);
    expect(webhook.received[0].text).toContain(`${clean.matches.plays} plays`);
  });

  test('a run whose report was not written alerts under the default --notify-on failure, saying the report is missing and why; etl_runs records why', async () => {
    // A file where the report's directory should be: the report cannot be written, the run completes.
    const blocker = path.join(tmp, `not-a-directory-${randomUUID()}`);
    fs.writeFileSync(blocker, '');
    const w = await temporal.worker();
    const runInput = input({ reportTo: path.join(blocker, 'reports'), notify: { url: webhook.url, on: 'failure', webUi: WEB_UI } });
    const summary = await w.run(runInput);
    expect(summary.status).toBe('completed');
    expect(summary.reportError).toEqual(expect.stringContaining(blocker));
    // etl_runs says so too (report_error), not only the run's result.
    const warehouse = await w.resources.warehouse(runInput.warehouse!);
    expect(await warehouse.query(`SELECT status, report_error FROM etl_runs WHERE run_id = '${summary.runId}'`)).toEqual([{ status: 'completed', report_error: summary.reportError }]);
    expect(webhook.received).toHaveLength(1);
    const [alert] = webhook.received;
    expect(alert).toMatchObject({ kind: 'run', outcome: 'report-missing', dates: DAY, runId: summary.runId, failedStep: null });
    expect(alert.warnings).toContain(`report not written: ${summary.reportError}`);
    expect(alert.text.split('\n')[0]).toBe(`Sparkify ETL run for ${DAY} completed, but its insights report was NOT written.`);
    expect(alert.text).toContain(`Warning: report not written: ${summary.reportError}`);
  });

  test('a backfill alerts once at its end, naming each failed date and its cause (its dates send none)', async () => {
    const w = await temporal.worker();
    const workflowId = `notify-backfill-${randomUUID()}`;
    const handle = await temporal.client.workflow.start<typeof backfill>('backfill', {
      taskQueue: w.taskQueue,
      workflowId,
      args: [{ from: '2018-11-14', to: '2018-11-15', concurrency: 2, etl: { source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, 'backfill.duckdb')}`, extraChecks: [BROKEN] }, notify: { url: webhook.url, on: 'failure', webUi: WEB_UI } }],
    });
    await expect(w.during(() => handle.result())).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(webhook.received).toHaveLength(1);
    const message = webhook.received[0];
    expect(message).toMatchObject({ kind: 'backfill', outcome: 'failed', dates: '2018-11-14 … 2018-11-15', workflowId, rootCause: '2 of 2 dates failed' });
    expect(message.failedDates.map((f) => f.date).sort()).toEqual(['2018-11-14', '2018-11-15']);
    for (const f of message.failedDates) expect(f.error).toMatch(/deliberately broken/);
    expect(message.text).toContain('• 2018-11-14: ');
  });

  // Its alert counted failed dates only: a backfill whose dates completed without their report sent
  // nothing under the default 'failure' (a 'warning' at most), though each date's own run alerts.
  test("a backfill whose dates' reports were not written alerts under the default --notify-on failure, naming each date and why", async () => {
    const blocker = path.join(tmp, `not-a-directory-${randomUUID()}`);
    fs.writeFileSync(blocker, '');
    const w = await temporal.worker();
    const workflowId = `notify-backfill-report-${randomUUID()}`;
    const handle = await temporal.client.workflow.start<typeof backfill>('backfill', {
      taskQueue: w.taskQueue,
      workflowId,
      args: [
        {
          from: '2018-11-14',
          to: '2018-11-15',
          concurrency: 2,
          etl: { source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, 'backfill-report.duckdb')}`, reportTo: path.join(blocker, 'reports') },
          notify: { url: webhook.url, on: 'failure', webUi: WEB_UI },
        },
      ],
    });
    const result = await w.during(() => handle.result());
    expect(result).toMatchObject({ completed: 2, failed: [] });
    expect(result.reportMissing?.map((m) => m.date).sort()).toEqual(['2018-11-14', '2018-11-15']);
    for (const m of result.reportMissing ?? []) expect(m.error).toContain(blocker);
    expect(webhook.received).toHaveLength(1);
    const [message] = webhook.received;
    expect(message).toMatchObject({ kind: 'backfill', outcome: 'report-missing', workflowId, rootCause: '2 of 2 dates loaded without their insights report', failedDates: [] });
    expect(message.text.split('\n')[0]).toBe("Sparkify backfill 2018-11-14 … 2018-11-15 completed, but some of its dates' insights reports were NOT written.");
    for (const m of result.reportMissing ?? []) expect(message.warnings).toContain(`report not written for ${m.date}: ${m.error}`);
    expect(message.text).toContain('2 dates loaded (0 without events, 2 without their report), 0 skipped as already loaded, 0 failed.');
  });

  test('a schedule made with --notify-url hands the settings to each run, and a scheduled run alerts', async () => {
    const bin = path.resolve(__dirname, '../bin/sparkify.js');
    const env: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn', TEMPORAL_ADDRESS: temporal.server.address, SPARKIFY_TASK_QUEUE: `sched-${randomUUID()}` };
    delete env.SPARKIFY_NOTIFY_URL;
    const id = `notify-${randomUUID()}`;
    const created = spawnSync(process.execPath, [bin, 'schedule', 'create', '--id', id, '--paused', '--source', SAMPLE_DIR, '--notify-url', webhook.url, '--notify-on', 'warning', '--web-ui', WEB_UI], { env, encoding: 'utf8', timeout: 60_000 });
    expect({ status: created.status, stderr: created.stderr }).toEqual({ status: 0, stderr: '' });
    const described = await temporal.client.schedule.getHandle(id).describe();
    const args = described.action.type === 'startWorkflow' ? (described.action.args as { etl: EtlInput }[]) : [];
    // The schedule holds a reference to the webhook, not its URL (whose path may be a secret).
    expect(args[0].etl.notify).toEqual({ url: notifyReference(webhook.url), on: 'warning', webUi: WEB_UI });
    expect(JSON.stringify(described)).not.toContain('/hooks/sparkify');
    await temporal.client.schedule.getHandle(id).delete();

    // What the schedule starts, by hand: its date's run carries the settings and alerts on its
    // warnings, through a worker that has the URL in its environment.
    process.env.SPARKIFY_NOTIFY_URL = webhook.url;
    const w = await temporal.worker();
    const handle = await temporal.client.workflow.start('scheduledEtlRun', {
      taskQueue: w.taskQueue,
      workflowId: `notify-scheduled-${randomUUID()}`,
      args: [{ etl: { source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, 'scheduled.duckdb')}`, extraChecks: [WARNS], notify: args[0].etl.notify } }],
    });
    const summary = (await w.during(() => handle.result()).finally(() => delete process.env.SPARKIFY_NOTIFY_URL)) as { runId: string; window: { from: string } };
    expect(webhook.received).toHaveLength(1);
    expect(webhook.received[0]).toMatchObject({ kind: 'run', outcome: 'warning', dates: summary.window.from, runId: summary.runId, workflowId: `sparkify-etl-${summary.window.from}` });
  });

  test('a reference to a webhook the worker does not know: the alert fails without retry, naming only the reference; the run keeps its outcome', async () => {
    delete process.env.SPARKIFY_NOTIFY_URL;
    const unknown = `${webhook.url}/FakeUnknownSecret`;
    const w = await temporal.worker();
    const workflowId = `notify-unknown-${randomUUID()}`;
    const summary = await w.run(input({ notify: { url: notifyReference(unknown), on: 'always' } }), workflowId);
    expect(summary.status).toBe('completed');
    expect(webhook.received).toEqual([]);
    const attempts = await notifyAttempts(workflowId);
    expect(attempts).toEqual({ attempts: 1, failure: expect.stringMatching(/^alert destination http:\/\/127\.0\.0\.1:\d+\/…#sha256=[0-9a-f]{16} is not a webhook this worker knows/) });
    const history = JSON.stringify(await temporal.client.workflow.getHandle(workflowId).fetchHistory());
    expect(history).not.toContain('FakeUnknownSecret');
  });

  test('the CLI rejects --notify-on without --notify-url, and a URL that is not http(s), with exit 2', () => {
    const bin = path.resolve(__dirname, '../bin/sparkify.js');
    if (!fs.existsSync(path.resolve(__dirname, '../dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    const env: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' };
    delete env.SPARKIFY_NOTIFY_URL;
    const cases: [string[], RegExp][] = [
      [['--notify-on', 'warning'], /^sparkify: --notify-on needs --notify-url/],
      // The webhook's path is its secret: the message names the URL by reference.
      [['--notify-url', 'ftp://example/TokenNotShown'], /^sparkify: --notify-url: "ftp:\/\/example\/…#sha256=[0-9a-f]{16}" must be an http:\/\/ or https:\/\/ URL/],
      [['--notify-url', WEB_UI, '--notify-on', 'sometimes'], /--notify-on/],
    ];
    for (const [flags, message] of cases) {
      const result = spawnSync(process.execPath, [bin, 'run', '--source', SAMPLE_DIR, '--warehouse', `duckdb:${path.join(tmp, 'cli.duckdb')}`, ...flags], { env, encoding: 'utf8', timeout: 60_000 });
      expect({ flags, status: result.status }).toEqual({ flags, status: 2 });
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });
});
