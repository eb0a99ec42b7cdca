import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REJECT_COLUMNS } from '../../src/staging/copyStaging';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { STAGING_COMPRESSION_ENV, STAGING_DISABLED_COMPRESSION } from '../../src/warehouse/duckdbStagingCompression';
import { sqlStatements } from '../../src/warehouse/sql';

/**
 * DuckDB's staging COPY writes without FSST (its analysis is the dearest part of writing the
 * staging table: docs/performance-log.md), and puts DuckDB's setting back afterwards, also when two
 * stagings overlap or one fails. Values are the same either way.
 */
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-compression-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Reject rows whose reasons are distinct text that FSST compresses and a dictionary does not. */
const ROWS = 150_000;
function rejectRows(from: number): Buffer[] {
  const words = ['field', 'artist', 'should', 'be', 'text', 'got', 'number', 'object', 'missing', 'range'];
  const out: string[] = [];
  for (let i = from; i < from + ROWS; i++) {
    out.push(`r\tevents\tlog_data/k.json\t${i}\t${words[i % 10]} ${words[(i >> 3) % 10]} ${words[(i >> 6) % 10]} ${i * 7919}\t\\N\n`);
  }
  return [Buffer.from(out.join(''))];
}

async function compressionOf(warehouse: DuckDbWarehouse): Promise<string[]> {
  const rows = await warehouse.query("SELECT DISTINCT compression FROM pragma_storage_info('etl_rejected_records') WHERE column_name = 'reason' AND segment_type = 'VARCHAR' ORDER BY 1");
  return rows.map((r) => String(r.compression));
}

/** DuckDB's setting, as a sorted lower-case list (DuckDB reports it in its own order and case). */
const setting = async (w: DuckDbWarehouse) =>
  String((await w.query("SELECT current_setting('disabled_compression_methods') AS v"))[0].v ?? '')
    .toLowerCase()
    .split(',')
    .filter((m) => m !== '')
    .sort()
    .join(',');
const DISABLED = STAGING_DISABLED_COMPRESSION.split(',').sort().join(',');

async function stage(warehouse: DuckDbWarehouse, from: number, extra: readonly string[] = []): Promise<void> {
  async function* segments() {
    yield { table: 'etl_rejected_records', columns: REJECT_COLUMNS, data: rejectRows(from) };
  }
  await warehouse.stageCopySegments(segments(), { before: [], after: [...extra] });
}

async function opened(name: string): Promise<DuckDbWarehouse> {
  const warehouse = await DuckDbWarehouse.open(path.join(dir, `${name}.duckdb`), { memoryLimit: null });
  await warehouse.execute(sqlStatements('schema/etl_tables', 'duckdb'));
  return warehouse;
}

test('staging COPY writes no FSST segment, and the setting is put back after', async () => {
  const warehouse = await opened('staged');
  try {
    expect(await setting(warehouse)).toBe('');
    await stage(warehouse, 0);
    expect(await compressionOf(warehouse)).not.toContain('FSST');
    expect(await setting(warehouse)).toBe('');
    expect(await warehouse.query('SELECT count(*) AS n FROM etl_rejected_records')).toEqual([{ n: ROWS }]);
  } finally {
    await warehouse.close();
  }
});

test(`with ${STAGING_COMPRESSION_ENV}=all, DuckDB chooses FSST for the same rows (the check above can fail)`, async () => {
  const warehouse = await opened('all');
  process.env[STAGING_COMPRESSION_ENV] = 'all';
  try {
    await stage(warehouse, 0);
    expect(await compressionOf(warehouse)).toContain('FSST');
  } finally {
    delete process.env[STAGING_COMPRESSION_ENV];
    await warehouse.close();
  }
});

test('overlapping stagings keep the setting until the last ends; a failed one puts it back too', async () => {
  const warehouse = await opened('overlap');
  try {
    await warehouse.execute(["SET disabled_compression_methods = 'rle'"]);
    let inside: unknown;
    // The second staging reads the setting once the first has ended, while it still runs itself.
    const first = stage(warehouse, 0);
    const second = (async () => {
      async function* segments() {
        await first;
        inside = await setting(warehouse);
        yield { table: 'etl_rejected_records', columns: REJECT_COLUMNS, data: rejectRows(ROWS) };
      }
      await warehouse.stageCopySegments(segments(), { before: [], after: [] });
    })();
    await Promise.all([first, second]);
    expect(inside).toBe(DISABLED);
    expect(await setting(warehouse)).toBe('rle');
    await expect(stage(warehouse, 2 * ROWS, ['SELECT no_such_function()'])).rejects.toThrow(/no_such_function/);
    expect(await setting(warehouse)).toBe('rle');
  } finally {
    await warehouse.close();
  }
});
