/**
 * A step's waits for its turn (src/activities/turnWaits.ts): where an activity waits for another
 * step of its run before its own work, the wait is traced with the activity that waited, so the
 * benchmark can take it off that step's time; nothing is written without a trace file or outside
 * an activity.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializedPublish } from '../../src/activities/publishLock';
import { awaitSongplaysSerialPart, withSongplaysSerialPart } from '../../src/activities/songplaysSerialPart';
import { recordTurnWait, TURN_TRACE_ENV, turnWaitsOf, type TurnWait } from '../../src/activities/turnWaits';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import type { Warehouse } from '../../src/warehouse/types';

const WORKFLOW_ID = 'sparkify-etl-all';

function activity(activityType: string, attempt = 1): MockActivityEnvironment {
  return new MockActivityEnvironment({ activityType, attempt, workflowExecution: { workflowId: WORKFLOW_ID, runId: 'run-1' } });
}

let dir: string;
let trace: string;
const saved = process.env[TURN_TRACE_ENV];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'turn-waits-'));
  trace = path.join(dir, 'turns.jsonl');
  process.env[TURN_TRACE_ENV] = trace;
});

afterEach(() => {
  if (saved === undefined) delete process.env[TURN_TRACE_ENV];
  else process.env[TURN_TRACE_ENV] = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

const traced = (): TurnWait[] => (fs.existsSync(trace) ? fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TurnWait) : []);
/**
 * Holds for at least `ms` on performance.now(), the clock the waits are measured with. A timer alone
 * can fire a fraction of a millisecond early against it (Node arms timers from the event loop's
 * cached, whole-millisecond time): 59.7 ms for a 60 ms timer, seen in CI.
 */
async function held(ms: number): Promise<void> {
  const from = performance.now();
  for (let left = ms; left > 0; left = ms - (performance.now() - from)) {
    await new Promise<void>((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}

describe('waits for a turn', () => {
  it('are traced with the activity, its attempt and its run, and not outside an activity or without a file', async () => {
    const since = performance.now();
    await held(30);
    await activity('loadTime', 2).run(async () => recordTurnWait('the songplays publish', since));
    recordTurnWait('nothing: not in an activity', since);
    const [wait, ...rest] = traced();
    expect(rest).toEqual([]);
    expect(wait).toMatchObject({ workflowId: WORKFLOW_ID, activity: 'loadTime', attempt: 2, waitedFor: 'the songplays publish' });
    // At least the 30 ms held before it (a monotonic clock cannot give less).
    expect(wait.seconds).toBeGreaterThanOrEqual(0.03);

    delete process.env[TURN_TRACE_ENV];
    await activity('loadTime').run(async () => recordTurnWait('no file asked for', since));
    expect(traced()).toHaveLength(1);
  });

  it("on DuckDB, cover the time a publish waited behind the one before it, and none of the earlier one's", async () => {
    const warehouse: Warehouse = await DuckDbWarehouse.open(':memory:');
    try {
      let release!: () => void;
      const first = activity('loadUsers').run(() => serializedPublish(warehouse, () => new Promise<void>((resolve) => (release = resolve))));
      const second = activity('loadTime').run(() => serializedPublish(warehouse, async () => undefined));
      await held(60);
      release();
      await Promise.all([first, second]);
      const waits = turnWaitsOf(fs.readFileSync(trace, 'utf8').split('\n'), WORKFLOW_ID);
      expect(waits.loadTime).toBeGreaterThanOrEqual(0.06);
      expect(waits.loadUsers).toBeLessThan(waits.loadTime);
    } finally {
      await warehouse.close();
    }
  });

  it("cover a step's wait for the songplays publish's serial part", async () => {
    let reach!: () => void;
    const publishing = withSongplaysSerialPart('run-serial', (reached) => new Promise<void>((resolve) => (reach = () => (reached(), resolve()))));
    const waiting = activity('queryLevelChanges').run(() => awaitSongplaysSerialPart('run-serial'));
    await held(40);
    reach();
    await Promise.all([publishing, waiting]);
    expect(turnWaitsOf(fs.readFileSync(trace, 'utf8').split('\n'), WORKFLOW_ID).queryLevelChanges).toBeGreaterThanOrEqual(0.04);
  });

  it("are summed per activity on its last attempt, for the run asked about only", () => {
    const line = (activity: string, attempt: number, seconds: number, workflowId = WORKFLOW_ID) =>
      JSON.stringify({ workflowId, activity, attempt, waitedFor: 'a turn', seconds } satisfies TurnWait);
    const lines = [
      line('loadTime', 1, 5),
      line('loadTime', 2, 1.5),
      line('loadTime', 2, 0.5),
      line('loadSongplays', 1, 2),
      line('loadSongplays', 1, 9, 'another-run'),
      '',
    ];
    expect(turnWaitsOf(lines, WORKFLOW_ID)).toEqual({ loadTime: 2, loadSongplays: 2 });
    expect(turnWaitsOf([], WORKFLOW_ID)).toEqual({});
  });
});
