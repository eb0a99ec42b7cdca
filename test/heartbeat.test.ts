import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivityExecuteInput } from '@temporalio/worker';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { keepaliveInterceptor, whileHeartbeating } from '../src/activities/heartbeat';
import { SAMPLE_DIR, startTestTemporal } from './harness/temporal';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves after `ticks` ticks of an interval of `periodMs` started now. A heartbeat interval of
 * the same period that were still live would have fired before each of these ticks (timers fire
 * in order of expiry, however late a loaded machine runs them), so no new beat by then means it
 * was stopped, whatever the wall clock did.
 */
function afterTicks(periodMs: number, ticks: number): Promise<void> {
  return new Promise((resolve) => {
    let n = 0;
    const timer = setInterval(() => {
      if (++n < ticks) return;
      clearInterval(timer);
      resolve();
    }, periodMs);
  });
}

test('a long statement keeps heartbeating while it runs, and stops when it ends', async () => {
  const env = new MockActivityEnvironment();
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  // The statement ends once it has seen four beats: however slowly the machine runs, it ends only
  // if the helper kept beating while it ran.
  const statement = async () => {
    while (beats.length < 4) await sleep(10);
    return 'done';
  };
  const result = await env.run(() => whileHeartbeating({ sql: 'transform/songplays' }, statement, 50));
  expect(result).toBe('done');
  expect(beats[0]).toEqual({ sql: 'transform/songplays' });
  const after = beats.length;
  await afterTicks(50, 4);
  expect(beats.length).toBe(after);
});

test('the worker keepalive heartbeats an activity that never heartbeats itself, until it ends', async () => {
  const env = new MockActivityEnvironment({ activityType: 'repairText' });
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  let finished = false;
  // An activity body that only waits, as a long query does: it sends no heartbeat of its own.
  const silent = async () => {
    while (beats.length < 3) await sleep(10);
    finished = true;
    return 'repaired';
  };
  const result = await env.run(() => {
    const { inbound } = keepaliveInterceptor(20)(Context.current());
    return inbound!.execute!({ args: [], headers: {} } as unknown as ActivityExecuteInput, () => silent());
  });
  expect(result).toBe('repaired');
  expect(finished).toBe(true);
  expect(beats.slice(0, 3)).toEqual([{ alive: 'repairText' }, { alive: 'repairText' }, { alive: 'repairText' }]);
  const after = beats.length;
  await afterTicks(20, 4);
  expect(beats.length).toBe(after);
});

test('every activity of a run is scheduled with a heartbeat timeout short enough to resume a killed step within 60 s', async () => {
  const temporal = await startTestTemporal();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-hb-'));
  try {
    const w = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, 'hb.duckdb')}` });
    const workflowId = `hb-${Date.now()}`;
    await w.run({ window: { from: '2018-11-05', to: '2018-11-05' } }, workflowId);
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes).filter((a) => a != null);
    expect(scheduled.length).toBeGreaterThanOrEqual(13);
    const seconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(d?.seconds ?? 0) + (d?.nanos ?? 0) / 1e9;
    const worst = scheduled.map((a) => ({
      activity: a.activityType?.name,
      // A kill is noticed after the heartbeat timeout; the retry then waits at most the longest
      // retry interval, however many times in a row the step's worker was killed.
      resumeBound: seconds(a.heartbeatTimeout) + seconds(a.retryPolicy?.maximumInterval),
      hasHeartbeatTimeout: seconds(a.heartbeatTimeout) > 0,
    }));
    for (const a of worst) expect({ ...a, resumeBound: a.resumeBound <= 45 }).toEqual({ ...a, resumeBound: true, hasHeartbeatTimeout: true });
  } finally {
    await temporal.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
