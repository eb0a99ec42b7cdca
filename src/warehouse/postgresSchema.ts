/**
 * The PostgreSQL schema a run creates and reads its tables in (sql/postgres/creation_schema.sql):
 * a search_path naming no schema that exists (`ALTER DATABASE … SET search_path = missing`) failed
 * every run with "no schema has been selected to create in" (SQLSTATE 3F000), while `sparkify
 * doctor` said the warehouse was fine.
 */
import type { Row } from './types';

/** The SQLSTATE of "no schema has been selected to create in" (invalid_schema_name). */
export const INVALID_SCHEMA_NAME = '3F000';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The first schema the search_path names (not "$user"), as SQL writes it. */
function firstNamedSchema(searchPath: string): string | undefined {
  return searchPath
    .split(',')
    .map((entry) => entry.trim())
    .find((entry) => entry !== '' && entry !== '"$user"' && entry !== '$user');
}

/** What keeps a run from creating its tables where the session puts them, and what to do; null when nothing does. */
export function creationSchemaProblem(row: Row): { problem: string; fix: string } | null {
  const searchPath = String(row.search_path);
  const database = quoteIdent(String(row.database_name));
  const user = quoteIdent(String(row.user_name));
  if (row.schema_name === null) {
    const named = firstNamedSchema(searchPath);
    return {
      problem: `no schema of the search_path (${searchPath}) exists, so a run cannot create its tables ("no schema has been selected to create in", SQLSTATE ${INVALID_SCHEMA_NAME})`,
      fix:
        `${named ? `create the schema (CREATE SCHEMA ${named}), or ` : ''}set the search_path to a schema that exists: ` +
        `ALTER DATABASE ${database} SET search_path = public (or ALTER ROLE ${user} SET …, or options=-c search_path=… in the postgres:// URI)`,
    };
  }
  if (row.can_create !== true || row.can_use !== true) {
    const schema = quoteIdent(String(row.schema_name));
    return {
      problem: `user ${user} may not ${row.can_use === true ? 'create tables in' : 'use'} schema ${schema}, where the search_path (${searchPath}) puts a run's tables`,
      fix: `GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${user}, or set the search_path to a schema the user may create in`,
    };
  }
  return null;
}
