import type { WarehouseConfig } from '../config';
import { DuckDbWarehouse } from './duckdb';
import { readerMemoryLimit } from './duckdbSettings';
import { PostgresWarehouse } from './postgres';
import { RedshiftWarehouse } from './redshift';
import type { Warehouse, WarehouseAccess } from './types';

export type { Dialect, Row, Warehouse } from './types';

/**
 * `access` 'read-only' (the read commands): a duckdb: file is opened read-only, and every
 * PostgreSQL or Redshift transaction is read-only.
 */
export async function openWarehouse(config: WarehouseConfig, access: WarehouseAccess = 'read-write'): Promise<Warehouse> {
  switch (config.kind) {
    case 'duckdb':
      return DuckDbWarehouse.open(config.path, access === 'read-only' ? { memoryLimit: readerMemoryLimit() } : {}, access);
    case 'postgres':
      return new PostgresWarehouse(config.url, undefined, access);
    case 'redshift':
      return new RedshiftWarehouse(config.settings, access);
  }
}
