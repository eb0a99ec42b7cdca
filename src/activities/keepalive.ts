import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { heartbeat } from './staging';

/** How often every running activity heartbeats, whatever it is doing. */
export const KEEPALIVE_INTERVAL_MS = 5_000;

/**
 * Every activity heartbeats every few seconds for as long as it runs, so a short heartbeat
 * timeout tells a dead worker (no heartbeats) from a slow step (a long statement, a big file),
 * and another worker resumes a dead one's step within seconds rather than minutes. A hung but
 * living worker is still caught by the start-to-close timeout. The beats go through `heartbeat`,
 * which carries the attempt's tracked statements along.
 */
export function keepaliveInterceptor(intervalMs = KEEPALIVE_INTERVAL_MS): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const details = { alive: ctx.info.activityType };
        const timer = setInterval(() => heartbeat(details), intervalMs);
        try {
          return await next(input);
        } finally {
          clearInterval(timer);
        }
      },
    },
  });
}
