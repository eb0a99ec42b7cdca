/**
 * The warehouse of a command that reads it (sql, insights): opened without creating anything, and
 * told apart from one no load has filled.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, parseWarehouseUri, warehouseIdentity } from '../config';
import { IDLE_FILE_RELEASE_MS } from '../defaults';
import { STAR_TABLES } from '../etl/dag';
import { openWarehouse, type Warehouse } from '../warehouse';
import { tableColumns } from '../warehouse/catalog';
import { DUCKDB_LOCK_CONFLICT } from '../warehouse/duckdbFile';

const loadFirst = (identity: string) => `run a load first: sparkify run --source DIR --warehouse ${identity}`;

/**
 * Opens `uri` to read: a duckdb: file read-only (a user who may only read it can, several readers
 * at once); a duckdb: path with nothing there is refused (opening it would create an empty warehouse).
 */
export async function openWarehouseToRead(uri: string): Promise<Warehouse> {
  const config = parseWarehouseUri(uri);
  if (config.kind === 'duckdb' && config.path !== ':memory:' && !fs.existsSync(config.path)) {
    throw new ConfigError(`no DuckDB warehouse at ${config.path} (${loadFirst(warehouseIdentity(uri))})`);
  }
  const waitUntil = Date.now() + LOCKED_FILE_WAIT_MS;
  for (;;) {
    try {
      return await openWarehouse(config, 'read-only');
    } catch (err) {
      if (config.kind !== 'duckdb' || !DUCKDB_LOCK_CONFLICT.test((err as Error).message)) throw err;
      if (Date.now() >= waitUntil) {
        const seconds = LOCKED_FILE_WAIT_MS / 1000;
        throw new Error(
          `${(err as Error).message} (waited ${seconds} s: a run writing to the file holds it until the run ends; ` +
            `a sparkify dev or worker lets go of it ${IDLE_FILE_RELEASE_MS / 1000} s after its last step)`,
          { cause: err },
        );
      }
      await sleep(LOCKED_FILE_POLL_MS);
    }
  }
}

/**
 * How long a reader waits for a DuckDB file another process holds: long enough for a worker that
 * has just finished a run (`sparkify run … && sparkify sql …` through `sparkify dev`) to let go.
 */
const LOCKED_FILE_WAIT_MS = 3 * IDLE_FILE_RELEASE_MS;
const LOCKED_FILE_POLL_MS = 100;

/** The bookkeeping tables insights reads beside the star tables (sql/insights/). */
export const INSIGHTS_ETL_TABLES = ['etl_runs', 'etl_rejected_records', 'etl_quality_results', 'etl_play_names', 'etl_songplay_names'];

const tablesNamed = (missing: string[]) => `no ${missing.join(', ')} table${missing.length === 1 ? '' : 's'}`;

/**
 * Throws, naming what is missing, unless the warehouse has every star table and the bookkeeping
 * tables insights reads. A warehouse an earlier release loaded can lack the latter (a load creates
 * them), and insights failed on a query's missing table. Says whether etl_runs has report_error,
 * which the next run adds in place (src/ledger/addedColumns.ts): insights reads the runs without
 * it until then (it only informs), rather than asking for a load first.
 */
export async function requireInsightsTables(warehouse: Warehouse): Promise<{ reportErrorColumn: boolean }> {
  // The tables there are and etl_runs' columns, from one catalog question: each costs a round trip
  // (on Redshift's Data API, a statement submitted and polled).
  const present = await tableColumns(warehouse, [...STAR_TABLES, ...INSIGHTS_ETL_TABLES]);
  const missingStar = STAR_TABLES.filter((table) => !present.has(table));
  if (missingStar.length > 0) {
    throw new ConfigError(`${warehouse.description} has not been loaded yet (${tablesNamed(missingStar)}): ${loadFirst(warehouse.description)}`);
  }
  const missingEtl = INSIGHTS_ETL_TABLES.filter((table) => !present.has(table));
  if (missingEtl.length > 0) throw earlierRelease(warehouse, tablesNamed(missingEtl));
  return { reportErrorColumn: present.get('etl_runs')?.has('report_error') === true };
}

function earlierRelease(warehouse: Warehouse, missing: string): ConfigError {
  return new ConfigError(
    `${warehouse.description} was loaded by an earlier release of sparkify-etl (${missing}): run one load with this release ` +
      `first (it creates the tables this release keeps), e.g. sparkify run --date YYYY-MM-DD --source DIR --warehouse ${warehouse.description}`,
  );
}
