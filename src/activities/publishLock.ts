import type { SqlName } from '../warehouse/sql';
import { hasWriteLocking, type Warehouse } from '../warehouse/types';

/**
 * The tables each publish step (its SQL file) writes. Runs for different dates may publish at once;
 * each publish transaction first locks its tables where the warehouse needs it (WriteLocking:
 * PostgreSQL), so two upserts of the same user, artist or time row queue instead of both reading
 * the old row. DuckDB has one writer process per file; within it, publishes are serialized here
 * instead. Redshift runs transactions serializably and aborts a conflicting one, which is retried.
 */
export const PUBLISH_TABLES = {
  'transform/songs': ['songs', 'etl_song_keys'],
  'transform/artists': ['artists'],
  'transform/users': ['users', 'etl_user_state'],
  'transform/time': ['time'],
  'transform/songplays': ['songplays', 'time', 'etl_load_ledger'],
} as const satisfies Partial<Record<SqlName, readonly string[]>>;

/** A publish step: a SQL file whose tables are listed above (a step not listed cannot be run as one). */
export type PublishName = keyof typeof PUBLISH_TABLES;

/** The statements that lock a publish step's tables, first in its transaction (none where not needed). */
export function publishLockStatements(warehouse: Warehouse, name: PublishName): string[] {
  const tables = PUBLISH_TABLES[name];
  if (!tables) throw new Error(`sql/${name}.sql is not a publish step: PUBLISH_TABLES names no tables for it`);
  return hasWriteLocking(warehouse) ? warehouse.tableLockStatements(tables) : [];
}

/** Taken before CREATE TABLE IF NOT EXISTS, where concurrent creations can collide (WriteLocking). */
export function schemaLockStatements(warehouse: Warehouse): string[] {
  return hasWriteLocking(warehouse) ? warehouse.schemaLockStatements() : [];
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
