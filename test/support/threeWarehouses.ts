/**
 * DuckDB, PostgreSQL and Redshift (the emulator, on its own PostgreSQL database) side by side,
 * each with the named sql/schema files created: for tests that run the same statements on all
 * three engines and compare.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { PostgresWarehouse } from '../../src/warehouse/postgres';
import { RedshiftWarehouse } from '../../src/warehouse/redshift';
import { parseRedshiftUri } from '../../src/warehouse/redshift/uri';
import { sqlStatements } from '../../src/warehouse/sql';
import type { Warehouse } from '../../src/warehouse/types';
import { createTestDatabase, startPostgres } from '../harness/postgres';
import { startS3 } from '../harness/s3';
import { startRedshiftEmulator } from './redshift-emulator';

export type EngineName = 'duckdb' | 'postgres' | 'redshift';

export interface ThreeWarehouses {
  warehouses: Record<EngineName, Warehouse>;
  /** Closes the warehouses and stops the emulator, S3 and PostgreSQL it started. */
  stop(): Promise<void>;
}

export interface ThreeWarehousesOptions {
  /** Names databases and the temporary directory (e.g. 'dups' → dups_pg, dups_rs). */
  label: string;
  /** sql/schema files to create on each engine, in order. */
  schema: readonly string[];
  /** An engine's schema statements as they are to run (e.g. without keys); unchanged by default. */
  adaptSchema?: (engine: EngineName, statements: string[]) => string[];
}

export async function startThreeWarehouses({ label, schema, adaptSchema }: ThreeWarehousesOptions): Promise<ThreeWarehouses> {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  const [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `sparkify-${label}-`));
  const emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, `${label}_rs`), s3: s3.settings });
  const warehouses: Record<EngineName, Warehouse> = {
    duckdb: await DuckDbWarehouse.open(path.join(tmp, `${label}.duckdb`)),
    postgres: new PostgresWarehouse(await createTestDatabase(pg.url, `${label}_pg`)),
    redshift: new RedshiftWarehouse(parseRedshiftUri(`redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${emulator.endpoint}`)),
  };
  for (const [engine, warehouse] of Object.entries(warehouses) as Array<[EngineName, Warehouse]>) {
    const statements = schema.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect));
    await warehouse.execute(adaptSchema ? adaptSchema(engine, statements) : statements);
  }
  return {
    warehouses,
    async stop() {
      for (const warehouse of Object.values(warehouses)) await warehouse.close();
      await emulator.stop();
      await Promise.all([pg.stop(), s3.stop()]);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * The three warehouses for one test file: started in its beforeAll and stopped in its afterAll.
 * The record is filled once they have started, so tests read it, never the file's top level.
 */
export function threeWarehousesInFile(options: ThreeWarehousesOptions): Record<string, Warehouse> {
  let engines: ThreeWarehouses | undefined;
  const warehouses: Record<string, Warehouse> = {};
  beforeAll(async () => {
    engines = await startThreeWarehouses(options);
    Object.assign(warehouses, engines.warehouses);
  });
  afterAll(async () => {
    await engines?.stop();
  });
  return warehouses;
}
