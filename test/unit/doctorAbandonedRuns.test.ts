/**
 * doctor's warehouse.abandonedRuns named only the runs Temporal reports closed when there were
 * also runs it does not know: those, and the command for them, showed only after a cleanup.
 * Now both kinds are named, each with its command.
 */
import { abandonedRunsResult } from '../../src/doctor/abandonedRuns';

const closedAt = new Date('2018-11-30T23:00:00.000Z');
const terminated = { runId: 'r-terminated', workflowId: 'wf-1', status: 'terminated', closedAt };
const kept = [{ runId: 'r-lost', firstFoundAt: '2018-11-29T00:00:00.000Z', firstFoundBy: 'r-7', lastFoundAt: '2018-11-30T00:00:00.000Z', timesFound: 3 }];
const CLEANUP = 'sparkify runs cleanup --temporal 127.0.0.1:7233 --warehouse duckdb:/w.duckdb';

test('runs closed without a record and runs Temporal does not know are both named, each with its command', () => {
  const result = abandonedRunsResult({ abandoned: [terminated], running: [], unknown: ['r-lost'] }, kept, 'duckdb:/w.duckdb', '127.0.0.1:7233');
  expect(result).toEqual({
    id: 'warehouse.abandonedRuns',
    title: 'runs closed without a record',
    status: 'warning',
    detail:
      '1 run(s) closed without recording their outcome: r-terminated (workflow wf-1, terminated at 2018-11-30T23:00:00.000Z); their publishing marks and staging rows stay until recorded; ' +
      "1 run(s) with no recorded outcome that Temporal does not know (closed longer ago than the namespace's retention, or of another namespace): r-lost (found unknown first at 2018-11-29T00:00:00.000Z by r-7, 3 time(s) in all); " +
      'sparkify runs list --temporal 127.0.0.1:7233 --warehouse duckdb:/w.duckdb lists them beside the latest recorded runs, writing nothing',
    fix: `${CLEANUP} (or let the next run do it); and for the runs Temporal does not know, once you know one is gone: ${CLEANUP} --abandon r-lost --reason '…'`,
  });
});

test('each kind alone gets its own command; none is ok', () => {
  expect(abandonedRunsResult({ abandoned: [terminated], running: [], unknown: [] }, [], 'duckdb:/w.duckdb', '127.0.0.1:7233').fix).toBe(`${CLEANUP} (or let the next run do it)`);
  expect(abandonedRunsResult({ abandoned: [], running: [], unknown: ['r-lost', 'r-other'] }, kept, 'duckdb:/w.duckdb', '127.0.0.1:7233').fix).toBe(
    `once you know one is gone: ${CLEANUP} --abandon RUN_ID --reason '…'`,
  );
  expect(abandonedRunsResult({ abandoned: [], running: ['r-going'], unknown: [] }, [], 'duckdb:/w.duckdb', '127.0.0.1:7233')).toMatchObject({ status: 'ok', detail: 'none; 1 run(s) going' });
});
