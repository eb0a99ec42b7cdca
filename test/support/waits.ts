import type pg from 'pg';

/**
 * How many of the pipeline's statements (application_name sparkify-etl) wait on a lock, read on
 * `observer`, a connection outside any transaction (a transaction keeps its first snapshot of
 * pg_stat_activity).
 */
export async function statementsWaitingOnLock(observer: pg.Client): Promise<number> {
  const { rows } = await observer.query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sparkify-etl' AND wait_event_type = 'Lock'");
  return rows[0].n;
}

/** Settles as `promise` does, or fails with `message` once `ms` have passed: a guard against a wait for ever, not a timing assertion. */
export function deadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
