/**
 * The raw floor: the same work as the pipeline (files → staging → the five star tables) done the
 * plainest fast way each engine offers, with none of the pipeline's guarantees. DuckDB reads the
 * files itself; PostgreSQL gets the same rows by COPY of typed CSV. Both then run sql/bench/star.sql.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DuckDbWarehouse } from '../warehouse/duckdb';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import { inTransaction } from '../warehouse/transaction';
import type { Dialect } from '../warehouse/types';
import { cpuUseBetween, readMachineCpu, type CpuUse } from './machineCpu';

export interface FloorResult {
  /** Files (or CSV) into staging. */
  stageSeconds: number;
  /** Staging into the five star tables (PostgreSQL: with ANALYZE of staging first). */
  starSeconds: number;
  totalSeconds: number;
  songplays: number;
  /** The machine's CPU use over totalSeconds (machineCpu.ts); absent where it cannot be read. */
  cpu?: CpuUse;
}

/** Everything the floor creates: the project's own staging and star tables. */
const SCHEMA_FILES = ['staging_events', 'staging_songs', 'songplays', 'users', 'songs', 'artists', 'time'] as const;

/** A table's partitioning, as the postgres_partition_by fragment writes it (src/warehouse/sql.ts). */
const PARTITIONING = / PARTITION BY [A-Z]+ \([a-z_]+\)(?=\s*$)/;

/**
 * The floor's tables: the project's own, with their keys, but without what the pipeline keeps for
 * its own reads among earlier runs (staging by run_id, to read one run among the retained ones: an
 * index on staging_songs, a partition per run of staging_events; songplays by start time, to
 * replace a run's days among history). A one-shot load needs none of them: the floor's staging is
 * one plain table, and their upkeep during the floor's COPY and inserts would flatter the
 * workflow's ratio.
 */
export function floorSchema(dialect: Dialect): string[] {
  return SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, dialect))
    .filter((statement) => !/\bCREATE INDEX\b/i.test(statement))
    .map((statement) => statement.replace(PARTITIONING, ''));
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/**
 * The run a ratio is taken against: the fastest of an engine's floor runs (the bench runs the floor
 * before and after the workflow, so a floor slowed by a passing load elsewhere does not flatter the
 * ratio). Undefined when none finished.
 */
export function fastestFloor(runs: readonly FloorResult[]): FloorResult | undefined {
  return runs.reduce<FloorResult | undefined>((best, run) => (best === undefined || run.totalSeconds < best.totalSeconds ? run : best), undefined);
}

/**
 * DuckDB floor into a fresh database file; afterwards, given `csvDir`, writes the staged rows as CSV
 * there (not timed) for the PostgreSQL floor.
 */
export async function duckdbFloor(dataDir: string, dbFile: string, csvDir?: string): Promise<FloorResult> {
  const warehouse = await DuckDbWarehouse.open(dbFile, { memoryLimit: null }); // DuckDB's own default: the plainest way
  try {
    await warehouse.execute(floorSchema('duckdb'));
    const cpuBefore = readMachineCpu();
    const began = performance.now();
    await warehouse.execute(
      sqlStatements('bench/duckdb_stage', 'duckdb', {
        log_glob: path.join(dataDir, 'log_data', '**', '*.json'),
        song_glob: path.join(dataDir, 'song_data', '**', '*.json'),
      }),
    );
    const stageSeconds = seconds(began);
    const starBegan = performance.now();
    await warehouse.execute(sqlStatements('bench/star', 'duckdb'));
    const starSeconds = seconds(starBegan);
    const totalSeconds = seconds(began);
    const cpu = cpuUseBetween(cpuBefore, readMachineCpu());
    const [count] = await warehouse.query(sqlStatement('bench/songplays_count', 'duckdb'));
    if (csvDir !== undefined) {
      fs.mkdirSync(csvDir, { recursive: true });
      await warehouse.execute(sqlStatements('bench/duckdb_export_staging', 'duckdb', csvPaths(csvDir)));
      // On disk before the next measured run starts, which would otherwise share the disk with
      // writing back GBs of CSV (as the databases measured are dropped: src/bench/run.ts).
      for (const file of Object.values(csvPaths(csvDir))) flushToDisk(file);
    }
    return { stageSeconds, starSeconds, totalSeconds, songplays: Number(count.n), ...(cpu ? { cpu } : {}) };
  } finally {
    await warehouse.close();
  }
}

function flushToDisk(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function csvPaths(csvDir: string): { events_csv: string; songs_csv: string } {
  return { events_csv: path.join(csvDir, 'staging_events.csv'), songs_csv: path.join(csvDir, 'staging_songs.csv') };
}

/** PostgreSQL floor into a fresh, empty database: COPY of the CSV from duckdbFloor, then star.sql. */
export async function postgresFloor(databaseUrl: string, csvDir: string): Promise<FloorResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A server stopped under the floor (Ctrl-C or SIGTERM during a bench) fails the statement that
  // runs; the connection's end then comes as an 'error' event, which without a listener ends the
  // process with exit 1 instead of the signal's code.
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const statement of floorSchema('postgres')) await client.query(statement);
    const csv = csvPaths(csvDir);
    const cpuBefore = readMachineCpu();
    const began = performance.now();
    const run = (sql: string) => client.query(sql);
    await inTransaction(run, async () => {
      await pipeline(fs.createReadStream(csv.events_csv), client.query(copyFrom(sqlStatement('bench/postgres_copy_events', 'postgres'))));
      await pipeline(fs.createReadStream(csv.songs_csv), client.query(copyFrom(sqlStatement('bench/postgres_copy_songs', 'postgres'))));
    });
    const stageSeconds = seconds(began);
    const starBegan = performance.now();
    for (const statement of sqlStatements('bench/postgres_analyze', 'postgres')) await client.query(statement);
    await inTransaction(run, async () => {
      for (const statement of sqlStatements('bench/star', 'postgres')) await client.query(statement);
    });
    const starSeconds = seconds(starBegan);
    const totalSeconds = seconds(began);
    const cpu = cpuUseBetween(cpuBefore, readMachineCpu());
    const { rows } = await client.query(sqlStatement('bench/songplays_count', 'postgres'));
    return { stageSeconds, starSeconds, totalSeconds, songplays: Number(rows[0].n), ...(cpu ? { cpu } : {}) };
  } finally {
    await client.end();
  }
}
