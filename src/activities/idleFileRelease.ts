import { AsyncLocalStorage } from 'node:async_hooks';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { IDLE_FILE_RELEASE_MS } from '../defaults';

/**
 * Lets go of each of the worker's DuckDB files once no activity has held it for `idleMs`: DuckDB
 * lets one process hold a file, and `sparkify dev` (or a worker) held every file it had written
 * until it exited, so `sparkify sql`, `insights` or an embedded `run` on it failed with DuckDB's
 * lock message. Counted per file: an activity holds the warehouse it opens (`hold`, from
 * Resources.warehouse) until it ends, so a long step on one file does not keep the others.
 */
export class IdleFileRelease {
  /** The warehouses the running activity has opened. */
  private readonly activity = new AsyncLocalStorage<Set<string>>();
  /** Running activities per warehouse. */
  private readonly holders = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly release: (warehouse: string) => Promise<void>,
    private readonly idleMs = IDLE_FILE_RELEASE_MS,
  ) {}

  /** The running activity uses this warehouse: it is kept until the activity ends. Outside activities, nothing. */
  hold(warehouse: string): void {
    const held = this.activity.getStore();
    if (held === undefined || held.has(warehouse)) return;
    held.add(warehouse);
    this.holders.set(warehouse, (this.holders.get(warehouse) ?? 0) + 1);
    clearTimeout(this.timers.get(warehouse));
    this.timers.delete(warehouse);
  }

  /** The warehouses the running activity holds (none outside activities). */
  heldByActivity(): ReadonlySet<string> {
    return this.activity.getStore() ?? new Set();
  }

  interceptor(): ActivityInterceptorsFactory {
    return () => ({
      inbound: {
        execute: (input, next) => {
          const held = new Set<string>();
          return this.activity.run(held, async () => {
            try {
              return await next(input);
            } finally {
              for (const warehouse of held) this.letGo(warehouse);
            }
          });
        },
      },
    });
  }

  private letGo(warehouse: string): void {
    const left = (this.holders.get(warehouse) ?? 1) - 1;
    if (left > 0) {
      this.holders.set(warehouse, left);
      return;
    }
    this.holders.delete(warehouse);
    const timer = setTimeout(() => {
      this.timers.delete(warehouse);
      // release() takes the warehouse out of the worker's map before the next macrotask, so an
      // activity that starts after this sees it gone and opens it again.
      if (!this.holders.has(warehouse)) void this.release(warehouse);
    }, this.idleMs);
    timer.unref();
    this.timers.set(warehouse, timer);
  }
}
