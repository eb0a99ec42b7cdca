/**
 * appendRows on DuckDB and PostgreSQL: every row comes back as written, whatever its text holds,
 * when the rows span many of the pieces PostgreSQL's COPY text is sent in (src/warehouse/copyTextRows.ts).
 */
import { COPY_PIECE_CHARS } from '../src/warehouse/copyTextRows';
import { duckDbAndPostgres } from './support/duckDbAndPostgres';

const AWKWARD = ['', 'plain', 'tab\there', 'line\nbreak', 'carriage\rreturn', 'C:\\dir\\', '\\N', 'Björk \u{1F3B5}', "O'Brien \"quoted\""];

describe.each(duckDbAndPostgres('append_rows'))('%s', (_engine, open) => {
  test('rows spanning several COPY pieces, with awkward text, NULLs and a value longer than a piece, come back as written', async () => {
    const warehouse = await open();
    try {
      await warehouse.execute(['CREATE TABLE appended (n INTEGER, label VARCHAR, note VARCHAR)']);
      const rows: (string | number | null)[][] = Array.from({ length: 6_000 }, (_, i) => [i, AWKWARD[i % AWKWARD.length], i % 7 === 0 ? null : `row ${i}`]);
      rows.push([6_000, 'y'.repeat(COPY_PIECE_CHARS * 2), 'long']);
      const count = await warehouse.appendRows('appended', ['n', 'label', 'note'], rows);
      expect(count).toBe(rows.length);
      const back = await warehouse.query('SELECT n, label, note FROM appended ORDER BY n');
      expect(back.map((r) => [Number(r.n), r.label, r.note])).toEqual(rows);
    } finally {
      await warehouse.close();
    }
  });
});
