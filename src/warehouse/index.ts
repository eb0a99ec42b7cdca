import type { WarehouseConfig } from '../config';
import { DuckDbWarehouse } from './duckdb';
import { PostgresWarehouse } from './postgres';
import { RedshiftWarehouse } from './redshift';
import type { Warehouse } from './types';

export type { Dialect, Row, Warehouse } from './types';

export async function openWarehouse(config: WarehouseConfig): Promise<Warehouse> {
  switch (config.kind) {
    case 'duckdb':
      return DuckDbWarehouse.open(config.path);
    case 'postgres':
      return new PostgresWarehouse(config.url);
    case 'redshift':
      return new RedshiftWarehouse(config.settings);
  }
}
