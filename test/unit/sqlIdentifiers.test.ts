/** `{{ident:param}}` in a SQL file: a table or column name from a parameter, quoted, never SQL. */
import { renderSql, sqlIdentifier } from '../../src/warehouse/sql';

describe('identifier placeholders', () => {
  test.each(['duckdb', 'postgres', 'redshift'] as const)('render as a double-quoted name on %s', (dialect) => {
    expect(renderSql('SELECT COUNT(*) FROM {{ident:table}} WHERE {{ident:column}} = {{table}}', dialect, { table: 'staging_events', column: 'run_id' })).toBe(
      `SELECT COUNT(*) FROM "staging_events" WHERE "run_id" = 'staging_events'`,
    );
  });

  test.each([
    ['a quote', 'users" WHERE 1=1 --'],
    ['a space', 'user id'],
    ['a capital (quoting would make it case-sensitive)', 'Users'],
    ['an empty name', ''],
    ['a leading digit', '1users'],
    ['a schema-qualified name', 'public.users'],
  ])('refuse %s', (_what, value) => {
    expect(() => renderSql('SELECT 1 FROM {{ident:table}}', 'postgres', { table: value })).toThrow(/\{\{ident:table\}\} needs a plain lowercase table or column name/);
  });

  test('refuse a number, a list or null as a name', () => {
    expect(() => sqlIdentifier(1, 'n')).toThrow(/\{\{ident:n\}\}/);
    expect(() => sqlIdentifier(['a'], 'n')).toThrow(/\{\{ident:n\}\}/);
    expect(() => sqlIdentifier(null, 'n')).toThrow(/\{\{ident:n\}\}/);
  });

  test('an identifier placeholder without its parameter is an error', () => {
    expect(() => renderSql('SELECT 1 FROM {{ident:table}}', 'duckdb', {})).toThrow('SQL template uses {{ident:table}}, but no parameter table is given');
  });

  test('a fragment named like a parameter is not taken as an identifier', () => {
    expect(renderSql('CAST(x AS {{text}})', 'postgres', { text: 'users' })).toBe('CAST(x AS TEXT)');
    expect(renderSql('{{ident:text}}', 'postgres', { text: 'users' })).toBe('"users"');
  });
});
