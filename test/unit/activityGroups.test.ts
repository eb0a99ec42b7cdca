/**
 * createActivities composes the activity groups (src/activities/*Activities.ts): every activity the
 * workflows call is registered under its name, once, by exactly one group.
 */
import { createActivities, type ActivityDeps } from '../../src/activities';
import { createCheckActivities } from '../../src/activities/checkActivities';
import { createNotifyActivities } from '../../src/activities/notify';
import { createPublishActivities } from '../../src/activities/publishActivities';
import { createReportActivities } from '../../src/activities/reportActivities';
import { createStagingActivities } from '../../src/activities/stagingActivities';
import { ETL_STEPS } from '../../src/workflows/etl';

// Building the groups touches nothing: the connections are opened on first use by an activity.
const deps = { resources: {}, log: {} } as unknown as ActivityDeps;

const groups = {
  staging: createStagingActivities(deps),
  publish: createPublishActivities(deps),
  checks: createCheckActivities(deps),
  report: createReportActivities(deps),
  notify: createNotifyActivities(deps),
};

test("every ETL step, the staged-data checks, the failed run's record, the report error's record, the ledger lookup and the alert are registered", () => {
  const names = Object.keys(createActivities(deps)).sort();
  // listSourceFiles: the listing of runs recorded before it ran in two parts (src/workflows/etl.ts).
  expect(names).toEqual([...ETL_STEPS, 'checkStagedData', 'listSourceFiles', 'loadedDates', 'recordFailedRun', 'recordReportError', 'sendNotification'].sort());
});

test('each activity comes from one group only (a second one would silently replace it)', () => {
  const owners = new Map<string, string[]>();
  for (const [group, activities] of Object.entries(groups)) {
    for (const name of Object.keys(activities)) owners.set(name, [...(owners.get(name) ?? []), group]);
  }
  expect([...owners].filter(([, by]) => by.length > 1)).toEqual([]);
  expect(Object.fromEntries([...owners].map(([name, [group]]) => [name, group]))).toEqual({
    createSchema: 'staging',
    listSourceFiles: 'staging',
    listEventFiles: 'staging',
    listSongFiles: 'staging',
    stageEvents: 'staging',
    stageSongs: 'staging',
    loadedDates: 'staging',
    repairText: 'publish',
    loadSongs: 'publish',
    loadArtists: 'publish',
    loadUsers: 'publish',
    loadTime: 'publish',
    loadSongplays: 'publish',
    checkStagedData: 'checks',
    runQualityChecks: 'checks',
    summarizeRun: 'report',
    queryLevelChanges: 'report',
    writeReport: 'report',
    recordFailedRun: 'report',
    recordReportError: 'report',
    sendNotification: 'notify',
  });
});
