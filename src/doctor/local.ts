import fs from 'node:fs';
import path from 'node:path';
import { nativeRowsState, type NativeRowsState } from '../staging/nativeRows';
import { PostgresWarehouse } from '../warehouse/postgres';
import { databaseEncodingProblem } from '../warehouse/databaseEncoding';
import { creationSchemaProblem } from '../warehouse/postgresSchema';
import { sqlStatement } from '../warehouse/sql';
import { redactUri } from '../config';
import { duckDbFileProblem, DUCKDB_FILE_FIX } from '../warehouse/duckdbFile';
import { ok, problem, type CheckResult } from './types';

/** A DuckDB file can be created or opened for writing where the URI says, and what is there is one. */
export function checkDuckDbPath(file: string): CheckResult {
  const title = 'DuckDB path writable';
  if (file === ':memory:') return ok('warehouse.local', title, 'in memory');
  const notDuckDb = duckDbFileProblem(file);
  if (notDuckDb) return problem('warehouse.local', 'DuckDB path holds a DuckDB database', notDuckDb, DUCKDB_FILE_FIX);
  // The nearest existing ancestor decides: the warehouse creates the missing folders.
  let dir = path.dirname(file);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const target = fs.existsSync(file) ? file : dir;
  try {
    fs.accessSync(target, fs.constants.W_OK);
    if (target === dir && !fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    return ok('warehouse.local', title, `${file} is writable`);
  } catch (err) {
    return problem('warehouse.local', title, `${target} is not writable (${(err as NodeJS.ErrnoException).code})`, `give --warehouse duckdb:<path> in a directory you can write to, or fix the permissions of ${target}`);
  }
}

/**
 * The directory reports go to when a run names none (the worker's --report-dir, else
 * .sparkify/reports in its working directory) can be created or written, checked as the worker
 * starts: a run finds out only at its last step, after publishing. `fix`: what to do otherwise.
 */
export function checkReportDir(dir: string, fix: string): CheckResult {
  const title = 'report directory writable';
  const absolute = path.resolve(dir);
  // The nearest existing ancestor decides: the report's write creates the missing folders.
  let existing = absolute;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  try {
    fs.accessSync(existing, fs.constants.W_OK);
    if (!fs.statSync(existing).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    return ok('reports.local', title, `${absolute} is writable`);
  } catch (err) {
    return problem('reports.local', title, `${absolute}: ${existing} is not a writable directory (${(err as NodeJS.ErrnoException).code})`, fix);
  }
}

/** The PostgreSQL warehouse accepts a connection, answers the probe, keeps text as UTF-8 and has a schema the user may create the tables in. */
export async function checkPostgres(url: string): Promise<CheckResult> {
  const title = 'PostgreSQL reachable';
  const warehouse = new PostgresWarehouse(url);
  try {
    await warehouse.query(sqlStatement('doctor/probe', 'postgres'));
    const encoding = await databaseEncodingProblem(warehouse);
    if (encoding) return problem('warehouse.local', 'PostgreSQL database encoding is UTF8', `${redactUri(url)}: ${encoding.problem}`, encoding.fix);
    const [schema] = await warehouse.query(sqlStatement('postgres/creation_schema', 'postgres'));
    const schemaProblem = creationSchemaProblem(schema);
    if (schemaProblem) return problem('warehouse.local', 'PostgreSQL schema for the tables', `${redactUri(url)}: ${schemaProblem.problem}`, schemaProblem.fix);
    return ok('warehouse.local', title, `${redactUri(url)} answers`);
  } catch (err) {
    return problem('warehouse.local', title, `${redactUri(url)}: ${(err as Error).message}`, 'start PostgreSQL or fix host, port, user, password and database in the postgres:// URI');
  } finally {
    await warehouse.close().catch(() => undefined);
  }
}

/**
 * Which encoder writes staging rows for DuckDB and PostgreSQL: the native one, or JavaScript (the
 * same rows, slower). A module that is there but does not load is a problem; one not built is not.
 */
export function checkRowEncoder(state: NativeRowsState = nativeRowsState()): CheckResult {
  const title = 'staging row encoder';
  if (state.loaded) return ok('staging.rowEncoder', title, 'native (native/rows)');
  if (state.failed) {
    return problem('staging.rowEncoder', title, state.why, 'rebuild it with `bash scripts/native.sh` (needs cargo), or set SPARKIFY_NATIVE_ROWS=0 to stage with the JavaScript encoder');
  }
  return ok('staging.rowEncoder', title, `JavaScript: native ${state.why}; staging is slower, its rows the same`);
}
