/** Temporal's schedule errors in the operator's words: which schedule, which namespace, what to run instead. */
import { ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import { ConfigError } from '../config';

/** The error to show for `err` from a schedule command; errors it does not know pass through unchanged. */
export function scheduleErrorForUser(err: unknown, namespace: string): unknown {
  if (err instanceof ScheduleNotFoundError) {
    // The SDK's message is the server's: "workflow not found for ID: temporal-sys-scheduler:<id>".
    return new ConfigError(`there is no schedule "${err.scheduleId}" in namespace ${namespace}: \`sparkify schedule list\` shows the ones there; give one with --id`);
  }
  if (err instanceof ScheduleAlreadyRunning) {
    return new ConfigError(
      `schedule "${err.scheduleId}" already exists in namespace ${namespace}: change its settings with \`sparkify schedule update --id ${err.scheduleId} …\` (the ones not given stay), or \`sparkify schedule delete --id ${err.scheduleId}\` and create it again`,
    );
  }
  return err;
}
