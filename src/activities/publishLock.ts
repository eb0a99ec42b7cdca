import { engineTraits } from '../warehouse/engineTraits';
import { hasSerializedWrites, hasWriteLocking, type Warehouse } from '../warehouse/types';
import { recordTurnWait } from './turnWaits';

/**
 * Runs for different dates may publish at once; each publish transaction first locks the tables its
 * step writes (declared in src/etl/dag.ts) where the warehouse needs it (WriteLocking: PostgreSQL),
 * so two upserts of the same user, artist or time row queue instead of both reading the old row.
 * DuckDB has one writer process per file; within it, publishes that write the same table are
 * serialized instead, and publishes of different tables overlap (SerializedWrites, tableWriteQueue.ts).
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

/**
 * Runs `work` after every earlier publish to the same database in this process that writes one of
 * `tables` (none given: every earlier publish), where the warehouse needs it (SerializedWrites:
 * DuckDB). The four publishes a run starts together write different tables: given them, each
 * waits only for its own work, not for whichever of the others reached DuckDB first; the ETL's
 * publishes give them only where the engine runs such publishes at once (publishQueueTables).
 */
export async function serializedPublish<T>(warehouse: Warehouse, work: () => Promise<T>, tables?: readonly string[]): Promise<T> {
  if (!hasSerializedWrites(warehouse)) return work();
  const queued = performance.now();
  return warehouse.serializedWrite(() => {
    recordTurnWait('its turn among the publishes (DuckDB)', queued);
    return work();
  }, tables);
}

/**
 * The tables a publish that writes `writes` queues by in serializedPublish: those, where the
 * engine runs publishes of different tables at once; none (after every earlier publish) where it
 * does not (engineTraits.ts publishesOverlap).
 */
export function publishQueueTables(warehouse: Warehouse, writes: readonly string[] | undefined): readonly string[] | undefined {
  return engineTraits(warehouse.dialect).publishesOverlap ? writes : undefined;
}
