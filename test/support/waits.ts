import pg from 'pg';

/**
 * Counts the pipeline's statements (application_name sparkify-etl) that wait on a lock, over a
 * connection of its own outside any transaction (a transaction keeps its first snapshot of
 * pg_stat_activity).
 */
export interface LockWaitObserver {
  waiting(): Promise<number>;
  end(): Promise<void>;
}

export async function lockWaitObserver(url: string): Promise<LockWaitObserver> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async waiting() {
      const { rows } = await client.query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sparkify-etl' AND wait_event_type = 'Lock'");
      return rows[0].n;
    },
    end: () => client.end().catch(() => undefined),
  };
}

/** Settles as `promise` does, or fails with `message` once `ms` have passed: a guard against a wait for ever, not a timing assertion. */
export function deadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
