/**
 * Tells the user when a step's first attempt fails with an error that Temporal will retry. The
 * embedded `sparkify run` keeps the SDK's warnings out of its output (it reports a failed run
 * itself), so a step retried for minutes (30 attempts, up to 20 s apart) was silent until its end.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { rootMessage } from '../etl/failures';

/** Whether an activity's error leads Temporal to try it again (the workflows' policies list NON_RETRYABLE_ERROR_TYPES). */
export function isRetried(err: unknown): boolean {
  if (err instanceof CancelledFailure) return false;
  if (err instanceof ApplicationFailure) return !err.nonRetryable && !NON_RETRYABLE_ERROR_TYPES.includes(err.type as never);
  return !NON_RETRYABLE_ERROR_TYPES.includes((err as Error)?.constructor?.name as never);
}

/** `tell(step, error)` once per step's activity, when its first attempt fails and is to be retried. */
export function firstRetryInterceptor(tell: (step: string, error: string) => void): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          if (ctx.info.attempt === 1 && !ctx.cancellationSignal.aborted && isRetried(err)) tell(ctx.info.activityType, rootMessage(err));
          throw err;
        }
      },
    },
  });
}
