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

  test('a warehouse caps its buffer pool at 1 GB by default, not 80% of the machine', async () => {
    delete process.env.SPARKIFY_DUCKDB_MEMORY_LIMIT;
    // DuckDB reports 1GB (10^9 bytes) in binary units.
    expect(await memoryLimit()).toBe('953.6 MiB');
  });

  test('SPARKIFY_DUCKDB_MEMORY_LIMIT sets another limit', async () => {
    process.env.SPARKIFY_DUCKDB_MEMORY_LIMIT = '256MB';
    expect(await memoryLimit()).toBe('244.1 MiB');
  });
});
