/**
 * Tests that stage rows by hand (appendRows or INSERT into staging_events) attach the runs'
 * partitions first, as a run's staging does where staging_events has a partition per run
 * (PostgreSQL: src/warehouse/stagingPartitions.ts); elsewhere nothing is attached.
 */
import { sqlStatements } from '../../src/warehouse/sql';
import { attachStagingPartitionStatements, stagingEventsPartition } from '../../src/warehouse/stagingPartitions';
import type { Warehouse } from '../../src/warehouse/types';

/** Attaches each run's partition of staging_events on `warehouse`, where it has them. */
export async function attachStagingPartitions(warehouse: Warehouse, ...runIds: string[]): Promise<void> {
  for (const runId of runIds) {
    const statements = attachStagingPartitionStatements(warehouse, runId);
    if (statements.length > 0) await warehouse.execute(statements);
  }
}

/** The same on a PostgreSQL connection a test drives itself (a pg Client). */
export async function attachStagingPartitionsOn(client: { query(sql: string): Promise<unknown> }, ...runIds: string[]): Promise<void> {
  for (const runId of runIds) {
    for (const sql of sqlStatements('postgres/attach_staging_partition', 'postgres', { partition: stagingEventsPartition(runId), run_id: runId })) await client.query(sql);
  }
}
