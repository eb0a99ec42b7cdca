import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { IDLE_FILE_RELEASE_MS } from '../defaults';

/**
 * Lets go of the worker's DuckDB files once no activity has run for `idleMs`: DuckDB lets one
 * process hold a file, and `sparkify dev` (or a worker) held every file it had written until it
 * exited, so `sparkify sql`, `insights` or an embedded `run` on it failed with DuckDB's lock
 * message. Counted over all of the worker's activities: a worker busy with one file keeps the others
 * until it is idle.
 */
export function idleFileReleaseInterceptor(release: () => Promise<void>, idleMs = IDLE_FILE_RELEASE_MS): ActivityInterceptorsFactory {
  let running = 0;
  let timer: NodeJS.Timeout | undefined;
  return () => ({
    inbound: {
      async execute(input, next) {
        running++;
        clearTimeout(timer);
        try {
          return await next(input);
        } finally {
          running--;
          if (running === 0) {
            timer = setTimeout(() => {
              // release() takes each warehouse out of the worker's map before the next macrotask,
              // so an activity that starts after this sees it gone and opens it again.
              if (running === 0) void release();
            }, idleMs);
            timer.unref();
          }
        }
      },
    },
  });
}
