import type { WarehouseConfig } from '../config';
import { type DuckDbAccess, DuckDbWarehouse } from './duckdb';
import { PostgresWarehouse } from './postgres';
import { RedshiftWarehouse } from './redshift';
import type { Warehouse } from './types';

export type { Dialect, Row, Warehouse } from './types';

/** `access`: how a duckdb: file is opened (the other engines' access is their user's). */
export async function openWarehouse(config: WarehouseConfig, access: DuckDbAccess = 'read-write'): Promise<Warehouse> {
  switch (config.kind) {
    case 'duckdb':
      return DuckDbWarehouse.open(config.path, {}, access);
    case 'postgres':
      return new PostgresWarehouse(config.url);
    case 'redshift':
      return new RedshiftWarehouse(config.settings);
  }
}
