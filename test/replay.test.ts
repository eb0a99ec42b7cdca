import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { historyFromCliJson } from './histories/load';
import { scheduledInput } from './harness/activityHistory';
import { EVENTS_STAGED_WHILE_SONGS_LISTED, LEVEL_CHANGES_BESIDE_SONGPLAYS, SONGPLAYS_BESIDE_DIMENSIONS, TIME_WITH_SONGPLAYS } from '../src/workflows/etl';

/**
 * Recorded histories of real runs, replayed through the current workflow code: a change to a
 * workflow that would break runs in flight (non-determinism) fails here. See docs/operations.md.
 * `npm run record-histories` (test/histories/record.ts) records them afresh from real runs.
 */
const HISTORIES = path.resolve(__dirname, 'histories');
const WORKFLOWS = require.resolve('../src/workflows');

type History = ReturnType<typeof historyFromCliJson>;

/** The histories as `temporal workflow show --output json` writes them; the SDK reads that form. */
function recorded(): Array<{ file: string; workflowId: string; workflowType: string; history: History }> {
  return fs
    .readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const history = historyFromCliJson(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')));
      const workflowType = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
      return { file, workflowId: file.replace(/\.json$/, ''), workflowType, history };
    });
}

async function replay(workflowsPath: string, histories = recorded()) {
  const results = [];
  for await (const r of Worker.runReplayHistories({ workflowsPath }, histories)) results.push(r);
  return results;
}

const outcomes = (results: Awaited<ReturnType<typeof replay>>) => results.map((r) => ({ workflowId: r.workflowId, error: r.error?.name }));

describe('replaying recorded histories', () => {
  beforeAll(() => Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] }));

  test('the recordings cover a date run (before and after songplays were published beside the dimensions, after the level changes were queried beside songplays, after the listing ran in two parts, and after the time publish started with songplays), a failed quality check, a retried activity, a continued and a completed backfill, a scheduled run', () => {
    const all = recorded();
    expect(all.map((h) => [h.file, h.workflowType])).toEqual([
      ['backfill-completed.json', 'backfill'],
      ['backfill-continued.json', 'backfill'],
      ['etlRun-date.json', 'etlRun'],
      ['etlRun-eventsWhileSongsListed.json', 'etlRun'],
      ['etlRun-failedCheck.json', 'etlRun'],
      ['etlRun-levelChangesBesideSongplays.json', 'etlRun'],
      ['etlRun-retriedActivity.json', 'etlRun'],
      ['etlRun-songplaysBesideDimensions.json', 'etlRun'],
      ['etlRun-timeWithSongplays.json', 'etlRun'],
      ['scheduledEtlRun.json', 'scheduledEtlRun'],
    ]);
    const events = (id: string) => all.find((h) => h.workflowId === id)!.history.events ?? [];

    // The run recorded after patched('songplays-beside-dimensions') took the new order (its marker),
    // the earlier ones did not: both branches of etlRun's publishes replay. Its loadSongplays was
    // scheduled after loadSongs completed (it matches the song keys loadSongs publishes).
    const patches = (id: string) =>
      events(id).flatMap((e) => {
        // A patch marker's details: 'patch-data', one JSON payload {"id": …, "deprecated": …}.
        const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
        return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
      });
    expect(patches('etlRun-songplaysBesideDimensions')).toContain(SONGPLAYS_BESIDE_DIMENSIONS);
    for (const id of ['etlRun-date', 'etlRun-failedCheck', 'etlRun-retriedActivity']) {
      expect({ id, beside: patches(id).includes(SONGPLAYS_BESIDE_DIMENSIONS) }).toEqual({ id, beside: false });
    }
    // Where in a recorded run's history an activity was scheduled, and where it completed.
    const scheduledAt = (id: string, name: string) => events(id).findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
    const completedAt = (id: string, name: string) =>
      events(id).findIndex((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === String(events(id)[scheduledAt(id, name)].eventId));
    expect(completedAt('etlRun-songplaysBesideDimensions', 'loadSongs')).toBeLessThan(scheduledAt('etlRun-songplaysBesideDimensions', 'loadSongplays'));

    // The run recorded after patched('level-changes-beside-songplays') took that branch too, the
    // earlier ones did not: queryLevelChanges was scheduled once loadUsers and loadTime completed,
    // and writeReport was given its result.
    expect(patches('etlRun-levelChangesBesideSongplays')).toEqual(expect.arrayContaining([SONGPLAYS_BESIDE_DIMENSIONS, LEVEL_CHANGES_BESIDE_SONGPLAYS]));
    for (const id of ['etlRun-date', 'etlRun-failedCheck', 'etlRun-retriedActivity', 'etlRun-songplaysBesideDimensions']) {
      expect({ id, levelChanges: patches(id).includes(LEVEL_CHANGES_BESIDE_SONGPLAYS) }).toEqual({ id, levelChanges: false });
    }
    const levels = 'etlRun-levelChangesBesideSongplays';
    for (const before of ['loadUsers', 'loadTime']) expect(completedAt(levels, before)).toBeLessThan(scheduledAt(levels, 'queryLevelChanges'));
    expect(completedAt(levels, 'queryLevelChanges')).toBeLessThan(scheduledAt(levels, 'summarizeRun'));
    expect((scheduledInput(events(levels), 'writeReport') as { levelChanges?: unknown[] }).levelChanges).toEqual([expect.objectContaining({ day: '2018-11-12' })]);

    // The run recorded after patched('events-staged-while-songs-listed') listed in two parts, each
    // part's staging scheduled once its own listing completed; the earlier ones listed once.
    const parts = 'etlRun-eventsWhileSongsListed';
    expect(patches(parts)).toEqual(expect.arrayContaining([SONGPLAYS_BESIDE_DIMENSIONS, LEVEL_CHANGES_BESIDE_SONGPLAYS, EVENTS_STAGED_WHILE_SONGS_LISTED]));
    expect(scheduledAt(parts, 'listSourceFiles')).toBe(-1);
    expect(completedAt(parts, 'listEventFiles')).toBeLessThan(scheduledAt(parts, 'stageEvents'));
    expect(completedAt(parts, 'listSongFiles')).toBeLessThan(scheduledAt(parts, 'stageSongs'));
    for (const id of ['etlRun-date', 'etlRun-failedCheck', 'etlRun-retriedActivity', 'etlRun-songplaysBesideDimensions', levels]) {
      expect({ id, parts: patches(id).includes(EVENTS_STAGED_WHILE_SONGS_LISTED), listed: scheduledAt(id, 'listSourceFiles') >= 0 }).toEqual({ id, parts: false, listed: true });
    }

    // The run recorded after patched('time-with-songplays') scheduled loadTime once loadSongs
    // completed, with loadSongplays; the earlier ones scheduled it beside loadSongs.
    const time = 'etlRun-timeWithSongplays';
    expect(patches(time)).toEqual(expect.arrayContaining([SONGPLAYS_BESIDE_DIMENSIONS, LEVEL_CHANGES_BESIDE_SONGPLAYS, EVENTS_STAGED_WHILE_SONGS_LISTED, TIME_WITH_SONGPLAYS]));
    expect(completedAt(time, 'loadSongs')).toBeLessThan(scheduledAt(time, 'loadTime'));
    for (const id of ['etlRun-songplaysBesideDimensions', levels, parts]) {
      expect({ id, withSongplays: patches(id).includes(TIME_WITH_SONGPLAYS), beforeSongs: scheduledAt(id, 'loadTime') < completedAt(id, 'loadSongs') }).toEqual({ id, withSongplays: false, beforeSongs: true });
    }

    // The failed check: the run ends failed, at runQualityChecks, on the check's error.
    const failed = events('etlRun-failedCheck');
    const failure = failed.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
    expect(failure?.cause?.message).toMatch(/^quality check "every user is paid" failed/);
    const failedActivity = failed.find((e) => e.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes!;
    const scheduledType = (list: typeof failed, scheduledEventId: unknown) =>
      list.find((e) => String(e.eventId) === String(scheduledEventId))?.activityTaskScheduledEventAttributes?.activityType?.name;
    expect(scheduledType(failed, failedActivity.scheduledEventId)).toBe('runQualityChecks');

    // The retried activity: loadUsers's first attempt failed, its second ran and completed, the run completed.
    const retried = events('etlRun-retriedActivity');
    expect(retried.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    const laterAttempts = retried
      .map((e) => e.activityTaskStartedEventAttributes)
      .filter((s) => s && (s.attempt ?? 1) > 1)
      .map((s) => ({ activity: scheduledType(retried, s!.scheduledEventId), attempt: s!.attempt, lastFailure: s!.lastFailure?.message }));
    expect(laterAttempts).toEqual([{ activity: 'loadUsers', attempt: 2, lastFailure: expect.stringMatching(/first attempt fails/) }]);
  });

  test('every recorded history replays through the current workflow code', async () => {
    const histories = recorded();
    expect(outcomes(await replay(WORKFLOWS, histories))).toEqual(histories.map((h) => ({ workflowId: h.workflowId, error: undefined })));
  });

  test('a DAG changed without patched() fails the replay with a non-determinism error', async () => {
    const results = await replay(path.join(HISTORIES, 'changedDag.ts'));
    const etl = results.find((r) => r.workflowId === 'etlRun-date');
    expect(etl?.error?.name).toBe('DeterminismViolationError');
  });

  test('a new first step behind patched() replays every recorded run; the same step without it breaks every etlRun', async () => {
    const histories = recorded();
    const etlRuns = histories.filter((h) => h.workflowType === 'etlRun');
    expect(etlRuns.length).toBeGreaterThanOrEqual(3);
    expect(outcomes(await replay(path.join(HISTORIES, 'patchedFirstStep.ts'), histories))).toEqual(
      histories.map((h) => ({ workflowId: h.workflowId, error: undefined })),
    );
    expect(outcomes(await replay(path.join(HISTORIES, 'unpatchedFirstStep.ts'), etlRuns))).toEqual(
      etlRuns.map((h) => ({ workflowId: h.workflowId, error: 'DeterminismViolationError' })),
    );
  });
});
