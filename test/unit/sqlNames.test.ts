/**
 * SQL file names are a typed union (src/warehouse/sqlNames.ts): the list must be exactly the files
 * under sql/, and a name that is not one of them fails loudly instead of dropping a statement.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readSqlFile, SQL_DIR, sqlName, sqlStatements } from '../../src/warehouse/sql';
import { isSqlName, SQL_NAMES } from '../../src/warehouse/sqlNames';

const ON_DISK = (fs.readdirSync(SQL_DIR, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.replace(/\.sql$/, '').split(path.sep).join('/'))
  .sort();

test('SQL_NAMES lists exactly the files under sql/ (add or remove a name with its file)', () => {
  const listed: string[] = [...SQL_NAMES].sort();
  expect({ missingFromList: ON_DISK.filter((n) => !listed.includes(n)), withoutFile: listed.filter((n) => !ON_DISK.includes(n)) }).toEqual({
    missingFromList: [],
    withoutFile: [],
  });
  expect(new Set(SQL_NAMES).size).toBe(SQL_NAMES.length);
});

test('a literal name that is no file does not compile', () => {
  // If the type stopped catching this, the directive below would be unused: a type error itself.
  // @ts-expect-error 'transform/songz' is not a SqlName
  const misspelt = () => sqlStatements('transform/songz', 'duckdb');
  expect(misspelt).toThrow(/sql\/transform\/songz\.sql/);
});

test('a name known only at run time is checked: an unknown one throws, naming the file', () => {
  expect(sqlName('transform/songs')).toBe('transform/songs');
  expect(isSqlName('transform/songz')).toBe(false);
  expect(() => sqlName('transform/songz')).toThrow('sql/transform/songz.sql is not a SQL file of this project');
  const runtimeName: string = ['transform', 'songz'].join('/');
  expect(() => readSqlFile(runtimeName)).toThrow(/sql\/transform\/songz\.sql does not exist/);
  expect(() => sqlStatements(runtimeName, 'duckdb')).toThrow(/sql\/transform\/songz\.sql/);
});
