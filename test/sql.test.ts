import { renderSql, splitStatements, sqlLiteral, sqlStatements } from '../src/warehouse/sql';

describe('SQL templates', () => {
  test('fragments render per dialect, with nested parentheses in their arguments', () => {
    const template = 'CREATE TABLE t (a {{text}}{{primary_key(a)}}) {{table_attributes(DISTSTYLE KEY DISTKEY(a) SORTKEY(a))}}';
    expect(renderSql(template, 'duckdb')).toBe('CREATE TABLE t (a VARCHAR) ');
    expect(renderSql(template, 'postgres')).toBe('CREATE TABLE t (a TEXT, PRIMARY KEY (a)) ');
    expect(renderSql(template, 'redshift')).toBe('CREATE TABLE t (a VARCHAR(65535), PRIMARY KEY (a)) DISTSTYLE KEY DISTKEY(a) SORTKEY(a)');
  });

  test('parameters become literals, quotes doubled', () => {
    expect(renderSql('WHERE run_id = {{run_id}} AND n <= {{n}}', 'postgres', { run_id: "it's", n: 2 })).toBe(
      "WHERE run_id = 'it''s' AND n <= 2",
    );
    expect(sqlLiteral(['a', 1])).toBe("'a', 1");
    expect(sqlLiteral(null)).toBe('NULL');
  });

  test('an unknown placeholder is an error, never sent to the warehouse', () => {
    expect(() => renderSql('SELECT {{nope}}', 'duckdb')).toThrow(/\{\{nope\}\}/);
  });

  test('files split at semicolons ending a line, comment-only pieces dropped', () => {
    expect(splitStatements("-- header\nSELECT 1;\n\nSELECT ';' AS x;\n-- trailing comment\n")).toEqual(['-- header\nSELECT 1', "SELECT ';' AS x"]);
  });

  test('every SQL file renders on every dialect', () => {
    for (const dialect of ['duckdb', 'postgres', 'redshift'] as const) {
      for (const name of ['schema/songplays', 'schema/etl_tables', 'transform/songs', 'transform/artists', 'transform/users', 'transform/time', 'transform/songplays', 'stats/match_stats']) {
        const statements = sqlStatements(name, dialect, { run_id: 'r1', duration_tolerance: 2, days: ['2018-11-01'] });
        expect(statements.length).toBeGreaterThan(0);
        for (const s of statements) expect(s).not.toMatch(/\{\{|\}\}/);
      }
    }
  });
});
