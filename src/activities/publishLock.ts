import type { Warehouse } from '../warehouse/types';

/**
 * The tables each publish step writes. Runs for different dates may publish at once; each publish
 * transaction first locks its tables (PostgreSQL: SHARE ROW EXCLUSIVE, which conflicts with itself
 * but not with readers), always in one global order, so two upserts of the same user, artist or
 * time row queue instead of both reading the old row, and no two publishers deadlock.
 * DuckDB has one writer process per file; within it, publishes are serialized here instead.
 * Redshift runs transactions serializably and aborts a conflicting one, which is retried.
 */
export const PUBLISH_TABLES: Record<string, readonly string[]> = {
  'transform/songs': ['songs', 'etl_song_keys'],
  'transform/artists': ['artists'],
  'transform/users': ['users', 'etl_user_state'],
  'transform/time': ['time'],
  'transform/songplays': ['songplays', 'time', 'etl_load_ledger'],
};

export function lockStatements(warehouse: Warehouse, tables: readonly string[]): string[] {
  if (warehouse.dialect !== 'postgres') return [];
  return [...tables].sort().map((t) => `LOCK TABLE ${t} IN SHARE ROW EXCLUSIVE MODE`);
}

/**
 * Taken before CREATE TABLE IF NOT EXISTS: on PostgreSQL two sessions creating the same table at
 * once can both pass the IF NOT EXISTS and one then fails on the catalog's unique index.
 */
export function schemaLockStatements(warehouse: Warehouse): string[] {
  return warehouse.dialect === 'postgres' ? ["SELECT pg_advisory_xact_lock(hashtext('sparkify-etl schema'))"] : [];
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier publish on the same DuckDB file in this process has ended. */
export async function serializedPublish<T>(warehouse: Warehouse, work: () => Promise<T>): Promise<T> {
  if (warehouse.dialect !== 'duckdb') return work();
  const key = warehouse.description;
  const previous = queues.get(key) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(work);
  queues.set(key, current);
  try {
    return await current;
  } finally {
    if (queues.get(key) === current) queues.delete(key);
  }
}
