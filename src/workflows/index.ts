// The worker's workflow bundle entry point: every workflow the worker runs is exported here.
export { etlRun, progressQuery } from './etl';
export { backfill, backfillProgressQuery } from './backfill';
export { scheduledEtlRun } from './scheduled';
