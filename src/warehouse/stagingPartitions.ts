/**
 * staging_events by run, where the engine partitions it (engineTraits: partitionsStagingByRun,
 * PostgreSQL; sql/schema/staging_events.sql). A run's events go into a partition of its own, which
 * it attaches before it stages; the retention truncates an expired run's partition in the run
 * record's transaction, then detaches and drops it. Elsewhere staging_events is one table, and
 * these give the statements that keep it.
 */
import { createHash } from 'node:crypto';
import { engineTraits } from './engineTraits';
import { sqlStatement, sqlStatements } from './sql';
import { hasAutocommitStatements, hasWriteLocking, type Dialect, type Warehouse } from './types';

/** How long dropping an expired run's partition waits for the transactions still reading staging. */
export const PARTITION_DROP_LOCK_TIMEOUT_MS = 5_000;

/**
 * A run's partition of staging_events: 'staging_events_' and the md5 of the run id, a plain
 * lowercase name of 47 characters whatever the run id holds. SQL that finds partitions by run
 * names them by the staging_partition_name fragment (src/warehouse/sql.ts), the same way.
 */
export function stagingEventsPartition(runId: string): string {
  return `staging_events_${createHash('md5').update(runId, 'utf8').digest('hex')}`;
}

/**
 * What a run runs, in a transaction of its own, before it stages events: its partition made and
 * attached, under the run's key lock (postgres/attach_staging_partition.sql). None where staging
 * has no partitions.
 */
export function attachStagingPartitionStatements(warehouse: Warehouse, runId: string): string[] {
  const d = warehouse.dialect;
  if (!engineTraits(d).partitionsStagingByRun) return [];
  if (!hasWriteLocking(warehouse)) throw new Error(`${d}: partitions staging by run, but has no key lock to attach them under`);
  // The run id is a literal inside the file's $attach$-quoted block, which that text would end.
  if (runId.includes('$attach$')) throw new Error(`run id ${JSON.stringify(runId)} holds "$attach$", which the staging partition's SQL cannot quote`);
  return [
    ...warehouse.keyLockStatements(`staging partition ${runId}`),
    ...sqlStatements('postgres/attach_staging_partition', d, { partition: stagingEventsPartition(runId), run_id: runId }),
  ];
}

/**
 * createSchema's upgrade of a staging_events of one table (schema version 2) to one partitioned by
 * run: `before` the schema files (it sets the old table aside), `after` them (its rows moved).
 */
export function stagingUpgradeStatements(dialect: Dialect): { before: string[]; after: string[] } {
  if (!engineTraits(dialect).partitionsStagingByRun) return { before: [], after: [] };
  return {
    before: sqlStatements('postgres/unpartitioned_staging_aside', dialect),
    after: sqlStatements('postgres/unpartitioned_staging_moved', dialect),
  };
}

/** The retention's statements on staged events, in the run record's transaction: rows deleted, or partitions truncated. */
export function expiredStagedEventsStatements(dialect: Dialect, cutoff: string): string[] {
  return engineTraits(dialect).partitionsStagingByRun
    ? sqlStatements('postgres/truncate_expired_staging', dialect, { cutoff })
    : sqlStatements('etl/clear_staged_events_expired', dialect, { cutoff });
}

/** What dropping the expired runs' partitions did: those dropped, and those left for a later run, with why. */
export interface PartitionDrops {
  dropped: string[];
  left: Array<{ partition: string; reason: string }>;
}

/**
 * After the run record's commit (which truncated them), the partitions of the runs past the
 * retention (ended at or before `cutoff`) are detached, without a lock that other runs' statements
 * wait for, and dropped: each on a session of its own that waits at most
 * PARTITION_DROP_LOCK_TIMEOUT_MS for the transactions that still read staging_events. One that
 * cannot go now is left, empty, for a later run's record: listed in `left`, never an error. The
 * ones after it are left untried: what held it up (another run's transaction) would hold each of
 * them up as long, and the record waits for this.
 */
export async function dropExpiredStagingPartitions(warehouse: Warehouse, cutoff: string, signal?: AbortSignal): Promise<PartitionDrops> {
  const d = warehouse.dialect;
  const drops: PartitionDrops = { dropped: [], left: [] };
  if (!engineTraits(d).partitionsStagingByRun || !hasAutocommitStatements(warehouse)) return drops;
  const expired = await warehouse.query(sqlStatement('postgres/expired_staging_partitions', d, { cutoff }), { signal });
  for (const row of expired) {
    const partition = String(row.partition);
    const held = drops.left[0];
    if (held) {
      drops.left.push({ partition, reason: `not tried: dropping ${held.partition} did not succeed first` });
      continue;
    }
    const detach = row.state === 'attached' ? 'postgres/detach_staging_partition' : row.state === 'detaching' ? 'postgres/finalize_staging_partition' : null;
    try {
      await warehouse.executeEachCommitted(
        [
          ...sqlStatements('postgres/staging_lock_timeout', d, { lock_timeout_ms: PARTITION_DROP_LOCK_TIMEOUT_MS }),
          ...(detach ? sqlStatements(detach, d, { partition }) : []),
          ...sqlStatements('postgres/drop_staging_partition', d, { partition }),
        ],
        { signal },
      );
      drops.dropped.push(partition);
    } catch (err) {
      if (signal?.aborted) throw err;
      drops.left.push({ partition, reason: (err as Error).message });
    }
  }
  return drops;
}
