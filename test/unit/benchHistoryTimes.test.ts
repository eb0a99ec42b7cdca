import type { temporal } from '@temporalio/proto';
import { formatSizeTable, type SizeResult } from '../../src/bench/report';
import { timesFromHistory, type WorkflowResult } from '../../src/bench/workflow';

/** A history event as the server's JSON has it (numbers where the protobuf types say Long). */
type Event = Record<string, unknown>;
const at = (s: number) => ({ seconds: Math.floor(s), nanos: Math.round((s % 1) * 1e9) });

/** A history: each activity as [name, scheduled, started, completed, attempt?, last failure?] (seconds from the run's start). */
function history(activities: Array<[string, number, number, number, number?, string?]>, completedAt: number): temporal.api.history.v1.IHistory {
  const events: Event[] = [{ eventId: 1, eventTime: at(0), workflowExecutionStartedEventAttributes: {} }];
  let id = 2;
  const timed: Array<[number, Event]> = [];
  for (const [name, scheduled, started, completed, attempt = 1, lastFailure] of activities) {
    const scheduledId = id++;
    const startedId = id++;
    timed.push([scheduled, { eventId: scheduledId, eventTime: at(scheduled), activityTaskScheduledEventAttributes: { activityType: { name } } }]);
    timed.push([started, { eventId: startedId, eventTime: at(started), activityTaskStartedEventAttributes: { scheduledEventId: scheduledId, attempt, ...(lastFailure ? { lastFailure: { message: lastFailure } } : {}) } }]);
    timed.push([completed, { eventId: id++, eventTime: at(completed), activityTaskCompletedEventAttributes: { scheduledEventId: scheduledId, startedEventId: startedId } }]);
  }
  events.push(...timed.sort((a, b) => a[0] - b[0]).map(([, e]) => e));
  events.push({ eventId: id, eventTime: at(completedAt), workflowExecutionCompletedEventAttributes: {} });
  return { events } as unknown as temporal.api.history.v1.IHistory;
}

describe('timesFromHistory', () => {
  const run = history(
    [
      ['listSourceFiles', 0.1, 0.2, 2.0],
      ['stageEvents', 2.1, 2.2, 4.0],
      ['stageSongs', 2.1, 3.5, 5.0],
      ['loadSongplays', 5.1, 8.0, 9.0, 2, 'activity Heartbeat timeout'],
    ],
    9.2,
  );

  test('activity times, time in activities and the overhead', () => {
    const times = timesFromHistory(run);
    expect(times.wallSeconds).toBeCloseTo(9.2, 6);
    expect(times.activities).toEqual({ listSourceFiles: expect.closeTo(1.8, 6), stageEvents: expect.closeTo(1.8, 6), stageSongs: expect.closeTo(1.5, 6), loadSongplays: expect.closeTo(1.0, 6) });
    expect(times.activeSeconds).toBeCloseTo(1.8 + 2.8 + 1.0, 6);
    expect(times.overheadSeconds).toBeCloseTo(9.2 - 5.6, 6);
  });

  test('the longest stretch without an activity, named by the steps around it, and the longest start wait', () => {
    const times = timesFromHistory(run);
    expect(times.longestGap).toEqual({ seconds: expect.closeTo(3.0, 6), after: 'stageSongs', before: 'loadSongplays' });
    expect(times.longestStartWait).toEqual({ seconds: expect.closeTo(2.9, 6), activity: 'loadSongplays' });
  });

  test('an activity that completed on a later attempt is named, with the attempt and why the one before failed', () => {
    expect(timesFromHistory(run).retried).toEqual([{ activity: 'loadSongplays', attempt: 2, lastFailure: 'activity Heartbeat timeout' }]);
    expect(timesFromHistory(history([['stageSongs', 0.0, 0.1, 0.5, 3]], 0.6)).retried).toEqual([{ activity: 'stageSongs', attempt: 3 }]);
    expect(timesFromHistory(history([['createSchema', 0.0, 0.1, 0.5]], 0.6)).retried).toEqual([]);
  });

  test("the timeline holds each activity's last attempt, from the run's start, in the order they started", () => {
    expect(timesFromHistory(run).timeline).toEqual([
      { activity: 'listSourceFiles', start: 0.2, end: 2.0 },
      { activity: 'stageEvents', start: 2.2, end: 4.0 },
      { activity: 'stageSongs', start: 3.5, end: 5.0 },
      { activity: 'loadSongplays', start: 8.0, end: 9.0 },
    ]);
  });

  test('a gap at the start or the end of the run is named by the run', () => {
    const late = timesFromHistory(history([['createSchema', 1.0, 2.5, 3.0]], 3.1));
    expect(late.longestGap).toEqual({ seconds: expect.closeTo(2.5, 6), after: null, before: 'createSchema' });
    const tail = timesFromHistory(history([['createSchema', 0.0, 0.1, 0.5]], 4.5));
    expect(tail.longestGap).toEqual({ seconds: expect.closeTo(4.0, 6), after: 'createSchema', before: null });
  });

  test('the table shows the gap and the wait under the overhead', () => {
    const workflow: WorkflowResult = { ...timesFromHistory(run), peakRssBytes: 0, readyRssBytes: 0, summary: {} as WorkflowResult['summary'] };
    const result = {
      size: { name: '160k' },
      dataset: { events: 10, nextSongEvents: 5, songFiles: 1, bytes: 1e6 },
      generateSeconds: null,
      engines: { duckdb: { workflow } },
    } as unknown as SizeResult;
    const table = formatSizeTable(result, ['duckdb']);
    expect(table).toMatch(/ {2}longest gap +3\.00 s \(stageSongs → loadSongplays\)/);
    expect(table).toMatch(/ {2}longest start wait +2\.90 s \(loadSongplays\)/);
    expect(table).toMatch(/ {2}retried steps +loadSongplays \(attempt 2\)/);
    expect(table).toMatch(/^duckdb loadSongplays: attempt 1 failed: activity Heartbeat timeout$/m);
  });
});
