/**
 * Every activity the worker registers, by group (one module each):
 * - staging: createSchema, listEventFiles, listSongFiles, stageEvents, stageSongs, loadedDates, and
 *   listSourceFiles (both listings in one, which runs recorded before the split replay);
 * - publish: repairText, loadSongs, loadArtists, loadUsers, loadTime, loadSongplays;
 * - checks: checkStagedData, runQualityChecks;
 * - report: summarizeRun, writeReport, recordReportError (a report that was not written), and
 *   recordFailedRun (a run that fails once it has staged);
 * - notify: sendNotification.
 * Heartbeats and cancellation for all of them are in heartbeat.ts; the types they fail under, in
 * failureTypes.ts.
 */
import { createCheckActivities } from './checkActivities';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failureTypes';
import { createNotifyActivities } from './notify';
import { createPublishActivities } from './publishActivities';
import { createReportActivities } from './reportActivities';
import { createStagingActivities } from './stagingActivities';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return withFailureTypes({
    ...createNotifyActivities(deps),
    ...createStagingActivities(deps),
    ...createPublishActivities(deps),
    ...createCheckActivities(deps),
    ...createReportActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
