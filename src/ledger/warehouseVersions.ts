/**
 * The versions a warehouse records about the releases that built it (src/etl/versions.ts): the
 * version of its tables, read before createSchema writes anything, and recorded after.
 */
import { SCHEMA_VERSION } from '../etl/versions';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { utcTimestampText } from '../warehouse/values';

/**
 * The schema version the warehouse records: 0 where it records none (a warehouse an older release
 * built, or a new one). `signal`, where given, cancels the query; a cancelled read is not a 0.
 */
export async function recordedSchemaVersion(warehouse: Warehouse, signal?: AbortSignal): Promise<number> {
  let rows;
  try {
    rows = await warehouse.query(sqlStatement('etl/schema_version', warehouse.dialect), { signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    return 0;
  }
  return Number(rows[0]?.schema_version ?? 0);
}

/**
 * Why this release must not write to a warehouse recording schema version `recorded`, or undefined
 * when it may (the same version, or an older one it upgrades in place).
 */
export function newerWarehouseProblem(recorded: number, warehouse: string): string | undefined {
  if (recorded <= SCHEMA_VERSION) return undefined;
  return (
    `the warehouse ${warehouse} has schema version ${recorded}, newer than this release's ${SCHEMA_VERSION}: a newer release ` +
    'built it, and this worker could write what that release does not expect. Nothing was written. ' +
    'Upgrade this worker (and every worker on the task queue) to the release that built the warehouse'
  );
}

/** Records this release's schema version, never lowering a newer one (after the tables are created). */
export function recordSchemaVersionStatements(warehouse: Warehouse, now: Date): string[] {
  return sqlStatements('etl/record_schema_version', warehouse.dialect, { schema_version: SCHEMA_VERSION, recorded_at: utcTimestampText(now) });
}
