import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openWarehouse } from '../../src/warehouse';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { classifyDuckDbError, SqlError } from '../../src/warehouse/errors';
import { MEMORY_LIMIT_ENV, DEFAULT_DUCKDB_MEMORY_LIMIT, type DuckDbResourceOptions } from '../../src/warehouse/duckdbSettings';

interface Settings {
  memory_limit: string;
  temp_directory: string;
  preserve_insertion_order: boolean;
}

async function settings(file = ':memory:', resources?: DuckDbResourceOptions): Promise<Settings> {
  const warehouse = await DuckDbWarehouse.open(file, resources);
  try {
    const [row] = await warehouse.query(
      "SELECT current_setting('memory_limit') AS memory_limit, current_setting('temp_directory') AS temp_directory, current_setting('preserve_insertion_order') AS preserve_insertion_order",
    );
    return { memory_limit: String(row.memory_limit), temp_directory: String(row.temp_directory), preserve_insertion_order: row.preserve_insertion_order === true };
  } finally {
    await warehouse.close();
  }
}

/** What DuckDB itself picks for an instance opened with no options (80% of this machine's RAM). */
async function duckdbOwnMemoryLimit(): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll("SELECT current_setting('memory_limit')");
    return String(reader.getRows()[0][0]);
  } finally {
    connection.disconnectSync();
    instance.closeSync();
  }
}

describe('DuckDB memory bound', () => {
  const saved = process.env[MEMORY_LIMIT_ENV];
  let dir: string;
  beforeEach(() => {
    delete process.env[MEMORY_LIMIT_ENV];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duckdb-memory-'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[MEMORY_LIMIT_ENV];
    else process.env[MEMORY_LIMIT_ENV] = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('unset, the pool is bounded by default, spilling beside the database file, with no insertion order to keep', async () => {
    const file = path.join(dir, 'warehouse.duckdb');
    const bounded = await settings(file);
    expect(bounded).toEqual({ memory_limit: '128.0 MiB', temp_directory: `${file}.tmp`, preserve_insertion_order: false });
    expect(await duckdbOwnMemoryLimit()).not.toBe(bounded.memory_limit);
  });

  test(`${MEMORY_LIMIT_ENV} sets the bound, spilling beside the database file, with no insertion order to keep`, async () => {
    process.env[MEMORY_LIMIT_ENV] = '300MiB';
    const file = path.join(dir, 'warehouse.duckdb');
    expect(await settings(file)).toEqual({ memory_limit: '300.0 MiB', temp_directory: `${file}.tmp`, preserve_insertion_order: false });
  });

  test("bounded, DuckDB's allocator keeps less freed memory and purges it in the background; unbounded, its defaults", async () => {
    const allocator = async (resources?: DuckDbResourceOptions) => {
      const warehouse = await DuckDbWarehouse.open(':memory:', resources);
      try {
        const rows = await warehouse.query("SELECT name, value FROM duckdb_settings() WHERE name IN ('allocator_flush_threshold', 'allocator_bulk_deallocation_flush_threshold', 'allocator_background_threads') ORDER BY name");
        return Object.fromEntries(rows.map((r) => [String(r.name), String(r.value)]));
      } finally {
        await warehouse.close();
      }
    };
    expect(await allocator()).toEqual({
      allocator_background_threads: 'true',
      allocator_bulk_deallocation_flush_threshold: '8.0 MiB',
      allocator_flush_threshold: '8.0 MiB',
    });
    expect((await allocator({ memoryLimit: null })).allocator_flush_threshold).toBe('128.0 MiB');
  });

  test('an in-memory database is bounded too', async () => {
    expect((await settings()).memory_limit).toBe('128.0 MiB');
  });

  test(`${MEMORY_LIMIT_ENV} sets another size (DuckDB reports 10^6-byte units in MiB)`, async () => {
    process.env[MEMORY_LIMIT_ENV] = '1GB';
    expect((await settings()).memory_limit).toBe('953.6 MiB');
  });

  test(`${MEMORY_LIMIT_ENV}=default keeps DuckDB's own default`, async () => {
    process.env[MEMORY_LIMIT_ENV] = 'default';
    expect(await settings()).toMatchObject({ memory_limit: await duckdbOwnMemoryLimit(), preserve_insertion_order: true });
  });

  test('a caller may keep DuckDB\'s own default whatever the env says (the benchmark floor)', async () => {
    process.env[MEMORY_LIMIT_ENV] = DEFAULT_DUCKDB_MEMORY_LIMIT;
    expect((await settings(':memory:', { memoryLimit: null })).memory_limit).toBe(await duckdbOwnMemoryLimit());
  });

  describe('the read commands (sql, insights)', () => {
    const readerLimit = async (file: string) => {
      const warehouse = await openWarehouse({ kind: 'duckdb', path: file }, 'read-only');
      try {
        return String((await warehouse.query("SELECT current_setting('memory_limit') AS m"))[0].m);
      } finally {
        await warehouse.close();
      }
    };
    let file: string;
    beforeEach(async () => {
      file = path.join(dir, 'read.duckdb');
      await (await DuckDbWarehouse.open(file)).close();
    });

    test("unset, DuckDB's own pool: an analyst's query in a process of its own is not held to the worker's bound", async () => {
      expect(await readerLimit(file)).toBe(await duckdbOwnMemoryLimit());
    });

    test(`${MEMORY_LIMIT_ENV} bounds them too`, async () => {
      process.env[MEMORY_LIMIT_ENV] = '300MiB';
      expect(await readerLimit(file)).toBe('300.0 MiB');
    });
  });

  test(`a value that is no size is refused, naming ${MEMORY_LIMIT_ENV}`, async () => {
    process.env[MEMORY_LIMIT_ENV] = 'half';
    await expect(settings()).rejects.toThrow(`${MEMORY_LIMIT_ENV}='half' is not a memory size`);
  });

  describe('a workload bigger than the pool', () => {
    // 1M distinct 64-character strings grouped: well over 64 MiB of hash table.
    const WIDE = 'CREATE TABLE wide AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS s FROM range(1000000) t(i)';
    const BIG = 'SELECT count(*) AS n, sum(c) AS d, min(s) AS first FROM (SELECT s, count(*) AS c FROM wide GROUP BY s)';
    const POOL = '64MiB';

    test('completes under the bound by spilling beside the database file', async () => {
      const file = path.join(dir, 'warehouse.duckdb');
      const warehouse = await DuckDbWarehouse.open(file, { memoryLimit: POOL });
      try {
        await warehouse.execute(WIDE);
        const [row] = await warehouse.query(BIG);
        expect({ n: Number(row.n), d: Number(row.d) }).toEqual({ n: 1_000_000, d: 1_000_000 });
        expect(String(row.first)).toHaveLength(64);
      } finally {
        await warehouse.close();
      }
    }, 120_000);

    test('runs out of the same pool when it may not spill (so the one above did spill)', async () => {
      const instance = await DuckDBInstance.create(path.join(dir, 'nospill.duckdb'), { memory_limit: POOL, temp_directory: '', preserve_insertion_order: 'false' });
      const connection = await instance.connect();
      try {
        await connection.run(WIDE);
        const error = await connection.run(BIG).then(() => undefined, (err: unknown) => err);
        expect(String(error)).toMatch(/Out of Memory/i);
        // What the warehouse makes of it: DuckDB's message, then the setting that sizes the worker's pool; still retryable.
        const classified = classifyDuckDbError(error) as Error;
        expect(classified).not.toBeInstanceOf(SqlError);
        expect(classified.message).toContain((error as Error).message);
        expect(classified.message).toMatch(/SPARKIFY_DUCKDB_MEMORY_LIMIT \(default 128MiB in a worker or run, DuckDB's 80% of RAM in sql and insights\): raise it/);
      } finally {
        connection.disconnectSync();
        instance.closeSync();
      }
    }, 120_000);
  });
});
