import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';

async function memoryLimit(): Promise<string> {
  const warehouse = await DuckDbWarehouse.open(':memory:');
  try {
    const [row] = await warehouse.query("SELECT current_setting('memory_limit') AS memory_limit");
    return String(row.memory_limit);
  } finally {
    await warehouse.close();
  }
}

describe('DuckDB memory limit', () => {
  const saved = process.env.SPARKIFY_DUCKDB_MEMORY_LIMIT;
  afterEach(() => {
    if (saved === undefined) delete process.env.SPARKIFY_DUCKDB_MEMORY_LIMIT;
    else process.env.SPARKIFY_DUCKDB_MEMORY_LIMIT = saved;
  });

  test('SPARKIFY_DUCKDB_MEMORY_LIMIT caps the buffer pool (DuckDB reports 10^6-byte units in MiB)', async () => {
    process.env.SPARKIFY_DUCKDB_MEMORY_LIMIT = '256MB';
    expect(await memoryLimit()).toBe('244.1 MiB');
  });

  test('unset, DuckDB keeps its own default', async () => {
    delete process.env.SPARKIFY_DUCKDB_MEMORY_LIMIT;
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll("SELECT current_setting('memory_limit') AS memory_limit");
    const duckdbDefault = String(reader.getRows()[0][0]);
    connection.disconnectSync();
    instance.closeSync();
    expect(await memoryLimit()).toBe(duckdbDefault);
  });
});
