import fs from 'node:fs';
import path from 'node:path';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { PostgresWarehouse } from '../../src/warehouse/postgres';
import { RedshiftWarehouse } from '../../src/warehouse/redshift';
import { parseRedshiftUri } from '../../src/warehouse/redshift/uri';
import type { Warehouse } from '../../src/warehouse/types';
import { createTestDatabase, type PgServer } from '../harness/postgres';
import type { S3Server } from '../harness/s3';
import { startEmulatedRedshift } from './emulatedRedshift';
import type { RedshiftEmulator } from './redshift-emulator';

export type WorkflowEngine = 'duckdb' | 'postgres' | 'redshift';

/**
 * An empty warehouse on `engine` for a workflow run to load: its URI, and how the test opens it to
 * look. DuckDB: a file in a directory of its own under `dir`; PostgreSQL: a database on `pg`;
 * Redshift: the Data API emulator on a database of its own, COPYing from `s3`, pushed onto
 * `emulators` for the caller to stop. `label` names the databases and the DuckDB file.
 */
export async function freshWarehouse(
  engine: WorkflowEngine,
  servers: { pg: PgServer; s3: S3Server; dir: string; emulators: RedshiftEmulator[] },
  label: string,
): Promise<{ uri: string; open: () => Promise<Warehouse> }> {
  if (engine === 'duckdb') {
    const file = path.join(fs.mkdtempSync(path.join(servers.dir, 'duckdb-')), `${label}.duckdb`);
    return { uri: `duckdb:${file}`, open: () => DuckDbWarehouse.open(file) };
  }
  if (engine === 'postgres') {
    const url = await createTestDatabase(servers.pg.url, label);
    return { uri: url, open: async () => new PostgresWarehouse(url) };
  }
  const { emulator, uri } = await startEmulatedRedshift(servers.pg, servers.s3, `${label}_rs`);
  servers.emulators.push(emulator);
  return { uri, open: async () => new RedshiftWarehouse(parseRedshiftUri(uri)) };
}
