import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlStatement } from './sql';

/**
 * String compressions DuckDB leaves out while a staging COPY writes its row groups. Before it
 * writes a segment, DuckDB analyzes every method it could use; FSST's analysis (it trains a symbol
 * table on the segment) is the dearest of them, and on the bench's event logs dictionary
 * compression wins the columns where FSST is tried, at about the same size. Measured on the 1.6M
 * set's CSV parts (docs/performance-log.md): DuckDB's COPY 4.8-5.4 → 4.4-4.9 CPU-s, the table the
 * same size. Staging is the raw layer: later steps read it once or twice.
 */
export const STAGING_DISABLED_COMPRESSION = 'fsst,dict_fsst,zstd';

/** Env: 'all' lets staging use every compression DuckDB has (its default). */
export const STAGING_COMPRESSION_ENV = 'SPARKIFY_DUCKDB_STAGING_COMPRESSION';

/** Stagings running on each database (a global setting): the first sets it, the last puts back what was there. */
const active = new Map<object, { users: number; saved: string; ready: Promise<void> }>();
/** A database's setting being put back: the next first staging reads it after that. */
const restoring = new Map<object, Promise<void>>();

/**
 * Runs `work` with STAGING_DISABLED_COMPRESSION set on the database (`database`: its DuckDB instance; a global DuckDB setting: the
 * instance's other connections too, e.g. song staging beside event staging), then puts the
 * setting back once no staging of that database runs any more. Only what DuckDB writes changes
 * (which compression a segment gets), never a value.
 */
export async function withStagingCompression<T>(database: object, c: DuckDBConnection, work: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  if ((env[STAGING_COMPRESSION_ENV] ?? '').trim().toLowerCase() === 'all') return work();
  let entry = active.get(database);
  if (entry) {
    entry.users++;
  } else {
    const created = { users: 1, saved: '', ready: Promise.resolve() };
    const before = restoring.get(database);
    created.ready = (async () => {
      await before;
      created.saved = String((await c.runAndReadAll(sqlStatement('staging/duckdb/compression_setting', 'duckdb'))).getRows()[0][0] ?? '');
      await c.run(sqlStatement('staging/duckdb/disable_compression', 'duckdb', { methods: STAGING_DISABLED_COMPRESSION }));
    })();
    entry = created;
    active.set(database, created);
  }
  try {
    await entry.ready;
    return await work();
  } finally {
    entry.users--;
    if (entry.users === 0 && active.get(database) === entry) {
      active.delete(database);
      const saved = entry.saved;
      const restore = entry.ready
        .then(() => c.run(sqlStatement('staging/duckdb/disable_compression', 'duckdb', { methods: saved })))
        .then(() => undefined);
      const done = restore.catch(() => undefined).finally(() => {
        if (restoring.get(database) === done) restoring.delete(database);
      });
      restoring.set(database, done);
      await restore;
    }
  }
}
