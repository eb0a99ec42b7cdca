import { hasWriteLocking, type Warehouse } from '../warehouse/types';

/**
 * Runs for different dates may publish at once; each publish transaction first locks the tables its
 * step writes (declared in src/etl/dag.ts) where the warehouse needs it (WriteLocking: PostgreSQL),
 * so two upserts of the same user, artist or time row queue instead of both reading the old row.
 * DuckDB has one writer process per file; within it, publishes are serialized here instead.
 * Redshift runs transactions serializably and aborts a conflicting one, which is retried.
 */
export function lockStatements(warehouse: Warehouse, tables: readonly string[]): string[] {
  if (tables.length === 0) throw new Error('a publish step must lock the tables it writes, and none were given');
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
