import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addDays } from '../src/etl/dates';
import type { RunSummary } from '../src/etl/types';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { pollUntil } from './support/poll';
import { runSparkify } from './support/cli';

/**
 * Schedules through the CLI as a user runs it (`bin/sparkify.js` over the built `dist/`; the test
 * command builds first) against a real dev server, with the ETL worker in this process.
 */
let temporal: TestTemporal;
let tmp: string;

beforeAll(async () => {
  if (!fs.existsSync(path.resolve(__dirname, '../dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  temporal = await startTestTemporal();
  expect(await ensureSearchAttributes(temporal.client)).toBe(true);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-schedule-'));
});

afterAll(async () => {
  await temporal?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function sparkify(args: string[], taskQueue: string, exported: Record<string, string> = {}) {
  return runSparkify(args, { cwd: tmp, env: { SPARKIFY_LOG_LEVEL: 'warn', TEMPORAL_ADDRESS: temporal.server.address, SPARKIFY_TASK_QUEUE: taskQueue, ...exported }, timeoutMs: 120_000 });
}

function ok(result: ReturnType<typeof sparkify>): string {
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return result.stdout;
}

function describeJson(id: string, taskQueue: string) {
  return JSON.parse(ok(sparkify(['schedule', 'describe', '--id', id, '--json'], taskQueue))) as Record<string, unknown> & {
    recent: { scheduledAt: string; workflowId: string }[];
    running: string[];
  };
}

/** Waits for the schedule to have processed `n` actions (taken or skipped): it works asynchronously. */
async function actionsProcessed(id: string, n: number) {
  const handle = temporal.client.schedule.getHandle(id);
  let seen = 'nothing yet';
  return pollUntil(
    `schedule ${id} to have processed ${n} action(s)`,
    async () => {
      const d = await handle.describe();
      seen = `${d.info.numActionsTaken} taken, ${d.info.numActionsSkippedOverlap} skipped, ${d.info.recentActions.length} recent`;
      return d.info.numActionsTaken + d.info.numActionsSkippedOverlap >= n && d.info.recentActions.length > 0 ? d : undefined;
    },
    { lastSeen: () => seen },
  );
}

async function resultOf(workflowId: string): Promise<RunSummary> {
  return pollUntil(`workflow ${workflowId} to exist and complete`, async () => {
    try {
      return await temporal.client.workflow.getHandle<() => Promise<RunSummary>>(workflowId).result();
    } catch (err) {
      if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
      return undefined;
    }
  });
}

describe('the daily schedule', () => {
  test('create, describe, list, update, pause with a note, unpause and delete through the CLI', async () => {
    const id = `daily-${randomUUID()}`;
    const tq = `schedule-${randomUUID()}`;
    ok(sparkify(['schedule', 'create', '--id', id, '--at', '04:00', '--time-zone', 'Europe/Berlin', '--source', SAMPLE_DIR, '--note', 'nightly load'], tq));
    expect(describeJson(id, tq)).toMatchObject({
      warning: null,
      scheduleId: id,
      paused: false,
      note: 'nightly load',
      at: '04:00',
      timeZone: 'Europe/Berlin',
      offsetDays: -1,
      overlap: 'SKIP',
      catchupWindow: '86400s',
      taskQueue: tq,
      source: SAMPLE_DIR,
    });
    const spec = (await temporal.client.schedule.getHandle(id).describe()).spec;
    expect(spec.timezone).toBe('Europe/Berlin');
    expect(JSON.parse(ok(sparkify(['schedule', 'list', '--json'], tq)))).toEqual(
      expect.arrayContaining([expect.objectContaining({ scheduleId: id, paused: false, workflowType: 'scheduledEtlRun' })]),
    );

    ok(sparkify(['schedule', 'update', '--id', id, '--at', '03:15', '--overlap', 'BUFFER_ONE', '--catchup-window', '12h', '--fail-on-empty'], tq));
    expect(describeJson(id, tq)).toMatchObject({ at: '03:15', overlap: 'BUFFER_ONE', catchupWindow: '43200s', timeZone: 'Europe/Berlin', source: SAMPLE_DIR, failOnEmpty: true });
    ok(sparkify(['schedule', 'update', '--id', id, '--no-fail-on-empty'], tq));
    expect(describeJson(id, tq)).toMatchObject({ at: '03:15', failOnEmpty: false });

    expect(ok(sparkify(['schedule', 'pause', '--id', id, '--note', 'warehouse maintenance'], tq))).toMatch(/Paused schedule/);
    const paused = await temporal.client.schedule.getHandle(id).describe();
    expect(paused.state).toMatchObject({ paused: true, note: 'warehouse maintenance' });
    ok(sparkify(['schedule', 'unpause', '--id', id], tq));
    expect((await temporal.client.schedule.getHandle(id).describe()).state.paused).toBe(false);

    ok(sparkify(['schedule', 'delete', '--id', id], tq));
    const gone = sparkify(['schedule', 'describe', '--id', id], tq);
    expect(gone.status).toBe(2);
    expect(gone.stderr).toContain(`there is no schedule "${id}" in namespace default`);
  });

  test('pause and unpause without --note leave a note saying what did it, who and when; a given --note is kept', async () => {
    const tq = `schedule-${randomUUID()}`;
    const id = `daily-${randomUUID()}`;
    const state = async () => (await temporal.client.schedule.getHandle(id).describe()).state;
    const byWhom = (command: string) => new RegExp(`^${command}d with \`sparkify schedule ${command}\` by \\S+@\\S+ at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`);
    ok(sparkify(['schedule', 'create', '--id', id, '--paused', '--note', 'waiting for the warehouse'], tq));

    const unpaused = ok(sparkify(['schedule', 'unpause', '--id', id], tq));
    expect(await state()).toMatchObject({ paused: false, note: expect.stringMatching(byWhom('unpause')) });
    expect(unpaused).toBe(`Unpaused schedule ${id}: ${(await state()).note}.\n`);
    ok(sparkify(['schedule', 'pause', '--id', id], tq));
    expect(await state()).toMatchObject({ paused: true, note: expect.stringMatching(byWhom('pause')) });
    ok(sparkify(['schedule', 'unpause', '--id', id, '--note', 'warehouse back after maintenance'], tq));
    expect(await state()).toMatchObject({ paused: false, note: 'warehouse back after maintenance' });
    ok(sparkify(['schedule', 'delete', '--id', id], tq));
  });

  test('update changes alerting only when its command line says so: SPARKIFY_NOTIFY_URL and SPARKIFY_WEB_UI are for create', async () => {
    const tq = `schedule-${randomUUID()}`;
    const id = `daily-${randomUUID()}`;
    const alerting = { SPARKIFY_NOTIFY_URL: 'https://hooks.example.com/services/T0/B0/secret', SPARKIFY_WEB_UI: 'http://localhost:8233' };
    const notifyOf = async () => {
      const { action } = await temporal.client.schedule.getHandle(id).describe();
      return (action.type === 'startWorkflow' ? (action.args?.[0] as { etl: { notify?: { url: string; webUi?: string } } }).etl.notify : 'no workflow action') ?? null;
    };
    ok(sparkify(['schedule', 'create', '--id', id], tq));
    expect(await notifyOf()).toBeNull();

    // Typed where the worker's environment (and so its webhook) is set: the schedule keeps not alerting.
    ok(sparkify(['schedule', 'update', '--id', id, '--at', '03:30'], tq, alerting));
    expect(await notifyOf()).toBeNull();
    expect(describeJson(id, tq)).toMatchObject({ at: '03:30' });

    ok(sparkify(['schedule', 'update', '--id', id, '--notify-url', alerting.SPARKIFY_NOTIFY_URL, '--web-ui', alerting.SPARKIFY_WEB_UI], tq));
    expect(await notifyOf()).toMatchObject({ url: expect.stringMatching(/^https:\/\/hooks\.example\.com\/…#sha256=/), webUi: alerting.SPARKIFY_WEB_UI });
    ok(sparkify(['schedule', 'delete', '--id', id], tq));

    ok(sparkify(['schedule', 'create', '--id', id], tq, alerting));
    expect(await notifyOf()).toMatchObject({ webUi: alerting.SPARKIFY_WEB_UI });
    ok(sparkify(['schedule', 'delete', '--id', id], tq));
  });

  test('update --reset-source and --reset-warehouse drop them from the schedule, so runs take the worker\'s defaults again', () => {
    const tq = `schedule-${randomUUID()}`;
    const id = `daily-${randomUUID()}`;
    const warehouse = `duckdb:${path.join(tmp, `${id}.duckdb`)}`;
    ok(sparkify(['schedule', 'create', '--id', id, '--source', SAMPLE_DIR, '--warehouse', warehouse, '--fail-on-empty'], tq));
    expect(describeJson(id, tq)).toMatchObject({ source: SAMPLE_DIR, warehouse, failOnEmpty: true });

    const both = sparkify(['schedule', 'update', '--id', id, '--source', SAMPLE_DIR, '--reset-source'], tq);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe("error: option '--reset-source' cannot be used with option '--source <dir|s3://…>'\n");

    expect(ok(sparkify(['schedule', 'update', '--id', id, '--reset-source'], tq))).toMatch(/; source: the worker's default\.\n$/);
    expect(describeJson(id, tq)).toMatchObject({ source: null, warehouse, failOnEmpty: true });
    ok(sparkify(['schedule', 'update', '--id', id, '--reset-warehouse'], tq));
    expect(describeJson(id, tq)).toMatchObject({ source: null, warehouse: null, failOnEmpty: true });
    ok(sparkify(['schedule', 'delete', '--id', id], tq));
  });

  test('an unknown schedule id is named, with the namespace and the command that lists the schedules, and exits 2', () => {
    const tq = `schedule-${randomUUID()}`;
    const id = `nope-${randomUUID()}`;
    for (const command of [['describe'], ['pause'], ['unpause'], ['trigger'], ['delete'], ['update', '--at', '04:00']]) {
      const result = sparkify(['schedule', ...command, '--id', id], tq);
      expect({ command: command[0], status: result.status, stderr: result.stderr }).toEqual({
        command: command[0],
        status: 2,
        stderr: `sparkify: there is no schedule "${id}" in namespace default: \`sparkify schedule list\` shows the ones there; give one with --id\n`,
      });
    }
  });

  test('creating a schedule whose id exists is refused, naming it and the commands that change it, and leaves it as it was', () => {
    const tq = `schedule-${randomUUID()}`;
    const id = `daily-${randomUUID()}`;
    ok(sparkify(['schedule', 'create', '--id', id, '--at', '02:00'], tq));
    const again = sparkify(['schedule', 'create', '--id', id, '--at', '05:00'], tq);
    expect({ status: again.status, stderr: again.stderr }).toEqual({
      status: 2,
      stderr:
        `sparkify: schedule "${id}" already exists in namespace default: change its settings with \`sparkify schedule update --id ${id} …\` (the ones not given stay), ` +
        `or \`sparkify schedule delete --id ${id}\` and create it again\n`,
    });
    expect(describeJson(id, tq)).toMatchObject({ at: '02:00' });
    ok(sparkify(['schedule', 'delete', '--id', id], tq));
  });

  test('bad settings are refused before anything is created, naming the flag', () => {
    const tq = `schedule-${randomUUID()}`;
    const zone = sparkify(['schedule', 'create', '--id', 'bad', '--time-zone', 'Mars/Olympus_Mons'], tq);
    expect(zone.status).toBe(2);
    expect(zone.stderr).toMatch(/--time-zone: "Mars\/Olympus_Mons" is not an IANA time zone/);
    const at = sparkify(['schedule', 'create', '--id', 'bad', '--at', '25:00'], tq);
    expect(at.status).toBe(2);
    expect(at.stderr).toMatch(/--at: "25:00" is not a time of day/);
  });

  test('an --at the zone\'s clock skips or repeats is refused at create and update, so no date goes unloaded or runs twice', () => {
    const tq = `schedule-${randomUUID()}`;
    const id = `daily-${randomUUID()}`;
    const skipped = sparkify(['schedule', 'create', '--id', id, '--at', '02:30', '--time-zone', 'Europe/Berlin'], tq);
    expect(skipped.status).toBe(2);
    expect(skipped.stderr).toMatch(
      /^sparkify: --at: 02:30 does not exist in Europe\/Berlin on \d{4}-03-\d\d \(the clock jumps over 02:00–02:59\), so no run would start that day and \d{4}-03-\d\d would not be loaded\. Choose a time outside 02:00–02:59, e\.g\. 03:00/,
    );
    ok(sparkify(['schedule', 'create', '--id', id, '--at', '03:30', '--time-zone', 'America/Los_Angeles'], tq));
    const repeated = sparkify(['schedule', 'update', '--id', id, '--at', '01:30'], tq);
    expect(repeated.status).toBe(2);
    expect(repeated.stderr).toMatch(/^sparkify: --at: 01:30 occurs twice in America\/Los_Angeles on \d{4}-11-\d\d \(the clock goes back over 01:00–01:59\), so \d{4}-11-\d\d would be run twice\./);
    expect(describeJson(id, tq)).toMatchObject({ at: '03:30', timeZone: 'America/Los_Angeles', warning: null });
    ok(sparkify(['schedule', 'delete', '--id', id], tq));
  });

  test('a schedule made before the check, at a time the clock skips, is described with a warning and still takes updates', async () => {
    const tq = `schedule-${randomUUID()}`;
    const id = `daily-${randomUUID()}`;
    // What the previous release created for `--at 02:30 --time-zone Europe/Berlin`.
    await temporal.client.schedule.create({
      scheduleId: id,
      spec: { calendars: [{ hour: 2, minute: 30, comment: 'daily at 02:30 Europe/Berlin' }], timezone: 'Europe/Berlin' },
      action: { type: 'startWorkflow', workflowType: 'scheduledEtlRun', workflowId: 'sparkify-etl-scheduled', taskQueue: tq, args: [{ etl: {}, offsetDays: -1, timeZone: 'Europe/Berlin' }] },
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
      state: { paused: true },
    });
    const warning = new RegExp(
      `^02:30 does not exist in Europe/Berlin on \\d{4}-03-\\d\\d \\(the clock jumps over 02:00–02:59\\), so no run would start that day and \\d{4}-03-\\d\\d would not be loaded: \`sparkify schedule update --id ${id} --at 03:00\` moves it out of 02:00–02:59$`,
    );
    expect(describeJson(id, tq)).toMatchObject({ at: '02:30', warning: expect.stringMatching(warning) });
    expect(ok(sparkify(['schedule', 'describe', '--id', id], tq))).toMatch(/^warning +02:30 does not exist in Europe\/Berlin/);

    const updated = ok(sparkify(['schedule', 'update', '--id', id, '--overlap', 'BUFFER_ONE'], tq)).split('\n');
    expect(updated[1]).toMatch(/^Warning: 02:30 does not exist in Europe\/Berlin .* moves it out of 02:00–02:59\.$/);
    expect(describeJson(id, tq)).toMatchObject({ overlap: 'BUFFER_ONE', at: '02:30' });
    ok(sparkify(['schedule', 'update', '--id', id, '--at', '03:00'], tq));
    expect(describeJson(id, tq)).toMatchObject({ at: '03:00', warning: null });
    ok(sparkify(['schedule', 'delete', '--id', id], tq));
  });

  test('a run scheduled for 2018-11-06 02:00 (here: a schedule backfill) loads 2018-11-05, whatever the wall clock says', async () => {
    const id = `daily-${randomUUID()}`;
    const w = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, `${id}.duckdb`)}` });
    ok(sparkify(['schedule', 'create', '--id', id, '--at', '02:00', '--time-zone', 'UTC'], w.taskQueue));
    await temporal.client.schedule.getHandle(id).backfill({
      start: new Date('2018-11-06T01:00:00Z'),
      end: new Date('2018-11-06T03:00:00Z'),
      overlap: 'ALLOW_ALL',
    });
    const summary = await w.during(() => resultOf('sparkify-etl-2018-11-05'));
    expect(summary.window).toEqual({ from: '2018-11-05', to: '2018-11-05' });
    expect(summary.tables.songplays).toBeGreaterThan(0);
    const d = await actionsProcessed(id, 1);
    expect(d.info.recentActions[0].scheduledAt.toISOString()).toBe('2018-11-06T02:00:00.000Z');
    const child = await temporal.client.workflow.getHandle('sparkify-etl-2018-11-05').describe();
    expect(child.typedSearchAttributes.get({ name: 'SparkifyLogicalDate', type: 'DATETIME' })).toEqual(new Date('2018-11-05T00:00:00Z'));
    ok(sparkify(['schedule', 'delete', '--id', id], w.taskQueue));
  });

  test('a trigger while the first run is still going is refused under overlap SKIP, naming the run and --overlap; the first completes for the day before its scheduled time', async () => {
    const id = `daily-${randomUUID()}`;
    const w = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, `${id}.duckdb`)}` });
    ok(sparkify(['schedule', 'create', '--id', id, '--time-zone', 'Pacific/Kiritimati'], w.taskQueue));
    // No worker polls yet, so the first run stays running while the second trigger arrives.
    const first = sparkify(['schedule', 'trigger', '--id', id], w.taskQueue);
    const running = await pollUntil(`schedule ${id} to show its first run running`, async () => {
      const d = await temporal.client.schedule.getHandle(id).describe();
      return d.info.runningActions[0]?.workflow.workflowId;
    });
    const second = sparkify(['schedule', 'trigger', '--id', id], w.taskQueue);
    const d = await temporal.client.schedule.getHandle(id).describe();
    // The worker runs before any assertion: a worker created and never run keeps the harness from stopping.
    const summary = await w.during(() => temporal.client.workflow.getHandle<() => Promise<RunSummary>>(running).result());

    expect({ status: second.status, stdout: second.stdout, stderr: second.stderr }).toEqual({
      status: 2,
      stdout: '',
      stderr:
        `sparkify: schedule ${id} not triggered: its run ${running} is still going and overlap SKIP skips a start meanwhile. ` +
        `Wait for it to end (\`sparkify schedule describe --id ${id}\` shows it), ` +
        'or give --overlap ALLOW_ALL to start a run beside it, BUFFER_ALL to start one after it, or CANCEL_OTHER to start one in its place\n',
    });
    expect(d.info).toMatchObject({ numActionsTaken: 1, numActionsSkippedOverlap: 0 });
    expect({ status: first.status, stdout: first.stdout, stderr: first.stderr }).toEqual({ status: 0, stdout: `Triggered schedule ${id}: a run starts now (overlap SKIP).\n`, stderr: '' });

    // Kiritimati is UTC+14: its date of the scheduled time, minus one day.
    const local = new Date(d.info.recentActions[0].scheduledAt.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);
    expect(summary.window).toEqual({ from: addDays(local, -1), to: addDays(local, -1) });
    expect(summary.workflowId).toBe(`sparkify-etl-${addDays(local, -1)}`);
    // No log for that day: the run succeeds with zero plays and says so.
    expect(summary.checks.find((c) => c.name === 'run has events')).toMatchObject({ severity: 'warn', status: 'fail' });
    expect(describeJson(id, w.taskQueue)).toMatchObject({ actionsTaken: 1, skippedOverlap: 0 });
    ok(sparkify(['schedule', 'delete', '--id', id], w.taskQueue));
  });
});
