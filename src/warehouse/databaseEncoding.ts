/**
 * A warehouse database must keep text as UTF-8. On PostgreSQL the encoding is the database's,
 * fixed when it was created: under SQL_ASCII LENGTH counts bytes (transform/artists picked
 * another name variant than DuckDB did), under LATIN1 the first "…" in the schema was refused.
 */
import { ConfigError } from '../errors';
import { engineTraits } from './engineTraits';
import { sqlStatement } from './sql';
import type { Warehouse } from './types';

/** Why `warehouse`'s database cannot hold the pipeline's text, and what to do; undefined when it can. */
export async function databaseEncodingProblem(warehouse: Warehouse, signal?: AbortSignal): Promise<{ problem: string; fix: string } | undefined> {
  const query = engineTraits(warehouse.dialect).encodingQuery;
  if (!query) return undefined;
  const [row] = await warehouse.query(sqlStatement(query, warehouse.dialect), { signal });
  const encoding = String(row.encoding);
  if (encoding.toUpperCase() === 'UTF8') return undefined;
  const database = String(row.database);
  return {
    problem: `database ${database} has encoding ${encoding}, and the warehouse needs UTF8 (its text would be counted, compared or refused otherwise)`,
    fix: `create a UTF8 database (CREATE DATABASE ${database}_utf8 ENCODING 'UTF8' TEMPLATE template0) and give --warehouse its URI`,
  };
}

/** Throws (a setting to fix, not retried) unless `warehouse`'s database keeps text as UTF-8. */
export async function requireUtf8Database(warehouse: Warehouse, signal?: AbortSignal): Promise<void> {
  const encoding = await databaseEncodingProblem(warehouse, signal);
  if (encoding) throw new ConfigError(`warehouse ${warehouse.description}: ${encoding.problem}: ${encoding.fix}`);
}
